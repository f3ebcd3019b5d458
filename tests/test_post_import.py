"""`posts import FILE.csv` as CONTRACT §5: checked whole, nothing written on any bad line, idempotent."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from wechat_bot.cli import AppHolder, main
from wechat_bot.db import get_session
from wechat_bot.models import Post

HEADER = "published_at,channel,category,title,url,external_id\n"


@pytest.fixture
def cli(app, runner):
    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), obj=AppHolder(None, app=app), input=input)

    return invoke


@pytest.fixture
def csv_file(tmp_path):
    def write(body: str, *, bom: bool = False, name: str = "posts.csv"):
        path = tmp_path / name
        path.write_bytes(((HEADER + body).encode("utf-8-sig" if bom else "utf-8")))
        return str(path)

    return write


def posts(app) -> list[Post]:
    with app.app_context():
        return list(get_session().scalars(select(Post).order_by(Post.published_at)))


def count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Post))


def test_import_reads_codes_and_chinese_labels_local_time_and_offsets(app, cli, csv_file):
    path = csv_file(
        "2019-03-01T10:00,政府信息公开网站,概况信息,机构概况,https://www.lueyang.gov.cn/a/1,w-1\n"
        "2019-06-01 09:30:00,陽光警務執法辦案公開系統,行政處罰,行政处罚决定书,,\n"
        "2019-07-01T02:00:00Z,wechat,police_news,警方动态,,\n",
        bom=True,
    )
    result = cli("posts", "import", path)
    assert result.exit_code == 0, result.output
    assert "已导入 3 条新记录" in result.stdout
    rows = posts(app)
    assert [(p.channel, p.category) for p in rows] == [
        ("website", "overview"), ("sunshine_police", "penalty"), ("wechat", "police_news")]
    assert rows[0].published_at == datetime(2019, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 Beijing = 02:00 UTC
    assert rows[0].url == "https://www.lueyang.gov.cn/a/1" and rows[0].external_id == "w-1"
    assert rows[1].published_at == datetime(2019, 6, 1, 1, 30, tzinfo=UTC)
    assert rows[2].published_at == datetime(2019, 7, 1, 2, 0, tzinfo=UTC)
    assert {p.source for p in rows} == {"import"}


def test_local_year_follows_beijing_time_at_the_year_boundary(app, cli, csv_file):
    path = csv_file(
        "2020-01-01T00:10+08:00,wechat,police_news,新年第一条,,\n"  # 2019-12-31 16:10 UTC
        "2019-12-31T23:59:59,wechat,police_news,旧年最后一条,,\n"  # local time, no offset
        "2019-12-31T16:00:00Z,wechat,police_news,零点整,,\n"  # = 2020-01-01 00:00 Beijing
    )
    assert cli("posts", "import", path).exit_code == 0
    years = {p.title: p.local_year for p in posts(app)}
    assert years == {"新年第一条": 2020, "旧年最后一条": 2019, "零点整": 2020}


def test_reimport_adds_nothing_and_repeats_in_one_file_count_once(app, cli, csv_file):
    body = (
        "2019-03-01T10:00,website,overview,机构概况,,w-1\n"
        "2019-03-01T10:00,website,overview,机构概况（标题改了也按编号去重）,,w-1\n"
        "2019-04-01T10:00,wechat,police_news,同一条,,\n"
        "2019-04-01T02:00:00Z,wechat,police_news,同一条,,\n"  # same moment written in UTC
    )
    first = cli("posts", "import", csv_file(body))
    assert first.exit_code == 0, first.output
    assert "已导入 2 条新记录" in first.stdout and "文件内重复 2 行只计一次" in first.stdout
    again = cli("posts", "import", csv_file(body, name="again.csv"))
    assert again.exit_code == 0
    assert "已导入 0 条新记录；2 条此前已有" in again.stdout
    assert count(app) == 2


def test_a_bad_file_changes_nothing_and_names_every_bad_line(app, cli, csv_file):
    assert cli("posts", "import", csv_file("2019-01-02T10:00,website,overview,已有的一条,,\n", name="ok.csv")).exit_code == 0
    path = csv_file(
        "2019-03-01T10:00,website,overview,好的一行,,\n"  # line 2
        "2019-13-01T10:00,website,overview,月份错,,\n"  # line 3
        "\n"  # line 4: blank lines are skipped, numbering still follows the file
        "2019-03-02T10:00,电视台,overview,渠道错,,\n"  # line 5
        "2019-03-03T10:00,website,不存在的栏目,栏目错,,\n"  # line 6
        "2019-03-04T10:00,website,overview,,,\n"  # line 7: no title
        "2019-03-05T10:00,website,overview,链接错,ftp://example.org/x,\n"  # line 8
        "2019-03-06T10:00,website,overview,少一列\n"  # line 9
        ",website,overview,没有时间,,\n"  # line 10
        "2019-03-07T10:00,website,overview,好的另一行,,\n"  # line 11
    )
    result = cli("posts", "import", path)
    assert result.exit_code == 1
    err = result.stderr
    assert "文件中有 7 行不正确，整个文件未导入" in err
    for line, reason in [(3, "时间格式不正确"), (5, "未知的渠道“电视台”"), (6, "未知的栏目“不存在的栏目”"),
                         (7, "标题不能为空"), (8, "链接应以 http:// 或 https:// 开头"), (9, "应有 6 列，实有 4 列"),
                         (10, "发布时间（published_at）为空")]:
        assert any(text.startswith(f"  第 {line} 行：") and reason in text for text in err.splitlines()), (line, err)
    assert "第 2 行" not in err and "第 11 行" not in err
    assert "渠道可写代码或中文名称：wechat（微信公众号）" in err
    assert [p.title for p in posts(app)] == ["已有的一条"]  # nothing written


def test_unpaired_quote_and_bad_encoding_and_header_are_refused(app, cli, csv_file, tmp_path):
    quote = cli("posts", "import", csv_file('2019-03-01T10:00,website,overview,月份错,,\n"2019-03-02,website\n'))
    assert quote.exit_code == 1 and "第 3 行：CSV 格式错误" in quote.stderr
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + "2019-03-01T10:00,website,overview,机构概况,,\n").encode("gbk"))
    encoding = cli("posts", "import", str(gbk))
    assert encoding.exit_code == 1 and "第 2 行：不是 UTF-8 编码" in encoding.stderr
    header = tmp_path / "header.csv"
    header.write_text("时间,渠道\n2019-03-01,website\n", encoding="utf-8")
    wrong = cli("posts", "import", str(header))
    assert wrong.exit_code == 1 and "第 1 行：表头应为 published_at,channel,category,title,url,external_id" in wrong.stderr
    missing = cli("posts", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "文件不存在" in missing.stderr
    assert count(app) == 0


def test_progress_is_plain_lines_when_not_a_terminal(app, cli, csv_file):
    result = cli("posts", "import", csv_file("2019-03-01T10:00,website,overview,机构概况,,\n"))
    assert "校验 1/1 行" in result.stderr and "写入 1/1 行" in result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr


def test_a_row_logged_meanwhile_by_another_writer_rolls_back_the_whole_file(app, monkeypatch):
    """Between the bulk key lookup and the insert another process logs one of the rows: nothing is written."""
    from wechat_bot.services import post_import

    data = (HEADER + "2019-03-01T10:00,website,overview,第一条,,\n2019-03-02T10:00,website,overview,第二条,,\n").encode()
    monkeypatch.setattr(post_import, "existing_keys", lambda session, keys: set())
    with app.app_context():
        session = get_session()
        assert post_import.import_csv(session, data, tz=app.extensions["wechat_bot"].settings.tz).added == 2
        session.execute(Post.__table__.delete().where(Post.title == "第一条"))
        session.commit()
        with pytest.raises(post_import.Invalid, match="本次未写入任何记录"):
            post_import.import_csv(session, data, tz=app.extensions["wechat_bot"].settings.tz)
        assert [p.title for p in session.scalars(select(Post))] == ["第二条"]
