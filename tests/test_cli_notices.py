"""`users add` and `notices add|submit|approve|reject|list` exactly as CONTRACT.md §2."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wechat_bot.cli import AppHolder, main
from wechat_bot.db import get_session
from wechat_bot.models import Notice, User
from wechat_bot.services.users import authenticate

from .notices_support import PASSWORD, fake_id_number, fast_password_hashing, make_staff  # noqa: F401

ID = fake_id_number()


@pytest.fixture
def cli(app, runner):
    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), obj=AppHolder(None, app=app), input=input)

    return invoke


@pytest.fixture
def body_file(tmp_path):
    def write(text: str = "近日，我局破获一起电信网络诈骗案。\n\n请广大群众提高警惕。"):
        path = tmp_path / "body.md"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def stored(app, model, key):
    with app.app_context():
        return get_session().get(model, key)


def test_users_add_with_password_on_stdin(app, cli):
    result = cli("users", "add", "王编辑", "--role", "editor", "--password-stdin", input="long-password-1\n")
    assert result.exit_code == 0, result.output
    assert "已创建账号“王编辑”（编辑）" in result.stdout
    with app.app_context():
        user = authenticate(get_session(), "王编辑", "long-password-1")
        assert user is not None and user.role == "editor"
        assert user.password_hash != "long-password-1"


def test_users_add_prompts_twice_without_echo(app, cli):
    result = cli("users", "add", "li", "--role", "reviewer", input="long-password-1\nlong-password-1\n")
    assert result.exit_code == 0, result.output
    assert "long-password-1" not in result.output
    assert "再次输入密码" in result.output
    with app.app_context():
        assert authenticate(get_session(), "li", "long-password-1").role == "reviewer"


def test_roles_accept_chinese_labels_in_the_service():
    from wechat_bot.services.users import parse_role

    assert [parse_role(r) for r in ("editor", "审核", "管理員", "編輯")] == ["editor", "reviewer", "admin", "editor"]


def test_users_add_refusals(cli):
    short = cli("users", "add", "a", "--role", "editor", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and short.stderr.strip() == "错误：密码至少 8 位"
    assert cli("users", "add", "a", "--role", "boss", "--password-stdin", input="long-password\n").exit_code == 2
    assert cli("users", "add", "a", "--role", "admin", "--password-stdin", input="long-password\n").exit_code == 0
    again = cli("users", "add", "A", "--role", "admin", "--password-stdin", input="long-password\n")
    assert again.exit_code == 1 and "已存在" in again.stderr


def test_notices_add_prints_only_the_id_and_takes_local_time(app, cli, body_file):
    make_staff(app)
    result = cli("notices", "add", "--title", "冬季防火提示", "--category", "警方公告", "--body-file", body_file(),
                 "--at", "2026-11-26T09:00", "--by", "wang")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().isdigit() and result.stdout == result.stdout.strip() + "\n"
    notice = stored(app, Notice, int(result.stdout))
    assert notice.category == "announcement" and notice.state == "draft"
    assert notice.scheduled_at == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    with_offset = cli("notices", "add", "--title", "T", "--category", "police_news", "--body-file", body_file(),
                      "--at", "2026-11-26T09:00+00:00", "--by", "wang")
    assert stored(app, Notice, int(with_offset.stdout)).scheduled_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--title", "字" * 33, "--category", "police_news"), "标题最多 32 个字"),
        (("--title", "T", "--category", "sports"), "未知的栏目"),
        (("--title", "T", "--category", "police_news", "--at", "2026-11-24T09:00"), "已过"),
        (("--title", "T", "--category", "police_news", "--at", "tomorrow"), "时间格式不正确"),
    ],
)
def test_notices_add_refusals_exit_1_with_one_line(app, cli, body_file, args, message):
    make_staff(app)
    result = cli("notices", "add", *args, "--body-file", body_file(), "--by", "wang")
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_notices_add_needs_a_known_author_and_a_readable_file(app, cli, body_file, tmp_path):
    make_staff(app)
    nobody = cli("notices", "add", "--title", "T", "--category", "police_news", "--body-file", body_file(), "--by", "ghost")
    assert nobody.exit_code == 1 and "ghost" in nobody.stderr
    missing = cli("notices", "add", "--title", "T", "--category", "police_news", "--body-file", str(tmp_path / "no.md"), "--by", "wang")
    assert missing.exit_code == 1 and "正文文件不存在" in missing.stderr
    assert cli("notices", "add", "--title", "T", "--category", "police_news", "--by", "wang").exit_code == 2


def _add(cli, body_file, text=None, by="wang"):
    result = cli("notices", "add", "--title", "警情通报", "--category", "警情通報", "--body-file",
                 body_file(text) if text else body_file(), "--by", by)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_the_whole_review_from_the_command_line(app, cli, body_file):
    make_staff(app)
    notice_id = _add(cli, body_file)
    submit = cli("notices", "submit", notice_id, "--by", "wang")
    assert submit.exit_code == 0 and "已提交审核，等待“初审”" in submit.stdout
    own = cli("notices", "approve", notice_id, "--by", "wang")
    assert own.exit_code == 1 and own.stderr == "错误：不能审核自己撰写或修改过的稿件\n"
    wrong_role = cli("notices", "approve", notice_id, "--by", "zhou")
    assert wrong_role.exit_code == 1 and "只有审核人员或管理员" in wrong_role.stderr
    first = cli("notices", "approve", notice_id, "--by", "li")
    assert first.exit_code == 0 and "已通过“初审”，等待“审发”" in first.stdout
    twice = cli("notices", "approve", notice_id, "--by", "li")
    assert twice.exit_code == 1 and "两个步骤" in twice.stderr
    final = cli("notices", "approve", notice_id, "--by", "chen")
    assert final.exit_code == 0 and "全部审核完成，定于 2026-11-25 10:00 发布" in final.stdout
    assert stored(app, Notice, int(notice_id)).state == "approved"
    listing = cli("notices", "list", "--status", "approved")
    assert listing.stdout == f"{notice_id}\tapproved\t警情\t2026-11-25 10:00\t警情通报\n"


def test_approve_refuses_text_that_fails_the_privacy_check(app, cli, body_file):
    make_staff(app)
    notice_id = _add(cli, body_file, f"报警人身份证号 {ID}，已依法处理。")
    submit = cli("notices", "submit", notice_id, "--by", "wang")
    assert submit.exit_code == 0 and "隐私与保密检查发现" in submit.stdout and ID not in submit.stdout
    refused = cli("notices", "approve", notice_id, "--by", "li")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("错误：隐私与保密检查未通过：身份证号") and refused.stderr.count("\n") == 1
    assert stored(app, Notice, int(notice_id)).review_step == 0
    overridden = cli("notices", "approve", notice_id, "--by", "zhao", "--override", "号码为虚构示例，经核实可公开")
    assert overridden.exit_code == 0, overridden.stderr


def test_reject_needs_a_reason(app, cli, body_file):
    make_staff(app)
    notice_id = _add(cli, body_file)
    cli("notices", "submit", notice_id, "--by", "wang")
    assert cli("notices", "reject", notice_id, "--by", "li").exit_code == 2
    empty = cli("notices", "reject", notice_id, "--by", "li", "--reason", " ")
    assert empty.exit_code == 1 and "退回必须填写理由" in empty.stderr
    done = cli("notices", "reject", notice_id, "--by", "li", "--reason", "请补充时间")
    assert done.exit_code == 0 and stored(app, Notice, int(notice_id)).state == "rejected"


def test_list_all_and_by_status_and_unknown(app, cli, body_file):
    make_staff(app)
    first = _add(cli, body_file)
    second = _add(cli, body_file)
    cli("notices", "submit", second, "--by", "wang")
    everything = cli("notices", "list")
    assert [line.split("\t")[:2] for line in everything.stdout.splitlines()] == [[second, "in_review"], [first, "draft"]]
    assert cli("notices", "list", "--status", "草稿").stdout.startswith(f"{first}\tdraft")
    unknown = cli("notices", "list", "--status", "lost")
    assert unknown.exit_code == 1 and "未知的状态" in unknown.stderr


def test_unknown_notice_is_exit_1(app, cli):
    make_staff(app)
    result = cli("notices", "submit", "999", "--by", "wang")
    assert result.exit_code == 1 and result.stderr == "错误：没有编号为 999 的稿件\n"
    assert stored(app, User, 1) is not None


def test_users_list_disable_and_reset_password(app, cli):
    from .test_console import Console

    for name, role in (("zhao", "admin"), ("li", "reviewer")):
        assert cli("users", "add", name, "--role", role, "--password-stdin", input="long-password-1\n").exit_code == 0
    listed = cli("users", "list")
    assert listed.exit_code == 0 and "li\tli\t审核\t可用" in listed.stdout
    assert '"name": "li"' in cli("users", "list", "--json").stdout

    signed_in = Console(app.test_client())
    assert signed_in.login("li", "long-password-1").status_code == 302
    assert signed_in.get("/console/review").status_code == 200
    reset = cli("users", "reset-password", "LI", "--password-stdin", input="another-password-2\n")
    assert reset.exit_code == 0, reset.output
    assert signed_in.get("/console/review").status_code == 302  # the old session is gone
    with app.app_context():
        assert authenticate(get_session(), "li", "another-password-2") is not None
        assert authenticate(get_session(), "li", "long-password-1") is None

    assert signed_in.login("li", "another-password-2").status_code == 302
    disabled = cli("users", "disable", "li")
    assert disabled.exit_code == 0 and "已停用" in disabled.stdout
    assert signed_in.get("/console/review").status_code == 302
    assert "已停用" in cli("users", "list").stdout
    assert cli("users", "disable", "zhao").exit_code == 1  # the last admin stays
    assert cli("users", "disable", "nobody").exit_code == 1
    short = cli("users", "reset-password", "zhao", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "至少 8 位" in short.stderr
