"""Issue 11: every fee, time limit, age and validity rule carries its source; the facts are current."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from wechat_bot.cli import AppHolder, main
from wechat_bot.services.guide_catalogue import DEFAULT_DIR, Catalogue, check_catalogue
from wechat_bot.services.guide_sources import due_for_review


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture
def copy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "guides"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def _edit(path: Path, pattern: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, new, text, count=1, flags=re.M)
    assert n == 1, pattern
    path.write_text(changed, encoding="utf-8")


def _problems(directory: Path, file: str, field: str) -> list[str]:
    return [p for p in check_catalogue(directory) if p.startswith(f"{file}: {field}")]


# --- the shipped catalogue -------------------------------------------------------------

def test_shipped_catalogue_passes_and_every_guide_sources_fee_and_time(catalogue):
    assert check_catalogue() == []
    for guide in catalogue.all():
        labels = [what for what, _ in guide.sources]
        assert labels[:2] == ["收费", "办理时限"], guide.id
        assert all(source for _, source in guide.sources), guide.id


# --- the check fails, naming guide and field ---------------------------------------------

def test_fee_without_source_fails_naming_guide_and_field(copy_dir):
    _edit(copy_dir / "passport.toml", r'^fee = "发改价格.*"\n', "")
    problems = _problems(copy_dir, "passport.toml", "sources.fee")
    assert problems and "收费没有注明依据" in problems[0]
    assert check_catalogue(copy_dir) == problems  # nothing else is wrong


def test_time_limit_without_source_fails_naming_guide_and_field(copy_dir):
    _edit(copy_dir / "hotel-license.toml", r'^time_limit = "《中华人民共和国行政许可法》.*"\n', "")
    problems = check_catalogue(copy_dir)
    assert len(problems) == 1 and problems[0].startswith("hotel-license.toml: sources.time_limit: 办理时限没有注明依据")


def test_guide_without_sources_table_fails_on_both_fields(copy_dir):
    path = copy_dir / "contact.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("[sources]")], encoding="utf-8")
    problems = check_catalogue(copy_dir)
    assert [p.split(":")[:2] for p in problems] == [
        ["contact.toml", " sources.fee"], ["contact.toml", " sources.time_limit"]]


def test_source_must_name_a_document_article_or_local_practice(copy_dir):
    _edit(copy_dir / "idcard-reissue.toml", r'^fee = "发改价格.*"$', 'fee = "见官网"')
    assert _problems(copy_dir, "idcard-reissue.toml", "sources.fee")


def test_age_rule_without_source_fails(copy_dir):
    _edit(copy_dir / "guard-license.toml", r'^  \{ fact = "年满18周岁".*\n', "")
    problems = _problems(copy_dir, "guard-license.toml", "summary")
    assert problems and "18周岁" in problems[0]


def test_validity_rule_without_source_fails(copy_dir):
    _edit(copy_dir / "idcard-temp.toml", r'^  \{ fact = "有效期3个月".*\n', "")
    fields = {p.split(":")[1].strip() for p in check_catalogue(copy_dir)}
    assert fields == {"summary", "time_limit"}


def test_rule_must_quote_the_guide_text(copy_dir):
    _edit(copy_dir / "guard-license.toml", r"年满18周岁、", "年满十八周岁、")
    problems = _problems(copy_dir, "guard-license.toml", "sources.rules[1].fact")
    assert problems and "指南正文中没有这段文字" in problems[0]


def test_cli_check_exits_1_and_names_guide_and_field(app, runner, copy_dir, monkeypatch):
    _edit(copy_dir / "taiwan.toml", r'^fee = "发改价格规.*"\n', "")
    monkeypatch.setattr("wechat_bot.services.guide_catalogue.DEFAULT_DIR", copy_dir)
    result = runner.invoke(main, ["guides", "check"], obj=AppHolder(None, app=app))
    assert result.exit_code == 1
    assert "taiwan.toml: sources.fee: 收费没有注明依据" in result.output


# --- the corrected facts (issue 11 table) ---------------------------------------------------

def test_issue_rows_are_corrected(catalogue):
    def text(gid: str) -> str:
        g = catalogue.get(gid)
        return "\n".join([g.summary, g.time_limit, g.fee, g.where, *g.materials, *g.steps,
                          *g.legal_basis, *g.notes, *(f"{a} {b}" for a, b in g.sources)])

    for gid in ("hukou-move-in", "hukou-move-out"):
        assert "财综〔2012〕97号" in text(gid) and "〔2015〕" not in text(gid) and "2016年" not in text(gid)
        assert "4元" in catalogue.get(gid).fee
    assert "第二十一条" in text("residence-permit") and "陕财税〔2019〕26号" in text("residence-permit")
    assert "省级价格主管部门" not in text("residence-permit")
    assert "居住年限自补办签注之日起连续计算" in text("residence-permit")
    assert "重新计算" not in text("residence-permit")
    toxic = text("toxic-chemical")
    assert "运输第二类易制毒化学品须向运出地县级公安机关申请运输许可证" in toxic
    assert "第二类易制毒化学品运输许可证：3日内作出决定" in toxic and "第三十八条" in toxic
    move_out = catalogue.get("hukou-move-out").summary
    assert "大中专院校毕业" in move_out and "正在推行" not in move_out and "子女投靠父母" not in move_out
    crime = text("no-crime-proof")
    assert "公安机关办理犯罪记录查询工作规定" in crime and "户籍地或居住地" in crime and "公通字" not in crime
    assert "现住地" in text("guard-license") and "户籍地或居住地" not in text("guard-license")
    vehicle = text("vehicle-register")
    assert "车船税" in vehicle and "安全技术检验合格证明" in vehicle and "2个工作日" in vehicle
    assert "按车管所告知时限" not in vehicle
    assert "20日内" in catalogue.get("fireworks").time_limit
    assert "2017年" not in catalogue.get("idcard-nonlocal").summary
    assert "财税〔2018〕37号" in catalogue.get("idcard-first").fee
    assert "以窗口告知为准" in catalogue.get("idcard-renew").summary
    assert "6元" in catalogue.get("hukou-book").fee and "陕价费调发〔1996〕48号" in text("hukou-book")


# --- review dates ---------------------------------------------------------------------

class _G:
    def __init__(self, gid: str, day: dt.date):
        self.id, self.updated_on = gid, day


def test_due_for_review_is_twelve_months_to_the_day():
    today = dt.date(2027, 12, 1)
    guides = [_G("a", dt.date(2026, 12, 1)), _G("b", dt.date(2026, 12, 2)), _G("c", dt.date(2025, 1, 1))]
    assert [g.id for g in due_for_review(guides, today)] == ["c", "a"]
    # 29 February: the cutoff a year later is 28 February
    assert [g.id for g in due_for_review([_G("x", dt.date(2027, 2, 28))], dt.date(2028, 2, 29))] == ["x"]
