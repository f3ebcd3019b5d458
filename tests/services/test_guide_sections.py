"""The part of a guide a question asks for, one-screen replies, and crime reports vs complaints."""
from __future__ import annotations

import statistics

import pytest

from wechat_bot.services.guide_catalogue import WORST_BUREAU, WORST_URL
from wechat_bot.services.guide_sections import SCREEN_CHARS, asked_section, render_short_reply
from wechat_bot.services.guides import Bureau, Catalogue, answer
from wechat_bot.services.textnorm import normalize

BUREAU = Bureau("略阳县公安局", "略阳公安", "略阳县测试路1号", "0000-1234567", "工作日 8:00-18:00")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def ask(catalogue, text):
    return answer(catalogue, text, BUREAU, page_url=lambda gid: f"https://bot.example.invalid/g/{gid}")


@pytest.mark.parametrize("text, section", [
    ("多少钱", "fee"), ("要不要钱", "fee"), ("带啥", "materials"), ("需要什么材料", "materials"),
    ("几天能拿", "time_limit"), ("多久能办好", "time_limit"), ("在哪", "where"), ("周末上班吗", "where"),
    ("电话多少", "where"), ("网上能办吗", "steps"), ("能代办吗", "steps"), ("小孩也要去吗", "steps"),
    ("办理流程是什么", "steps"), ("身份证丢了怎么办", None), ("护照过期了怎么换", None),
])
def test_asked_section(text, section):
    assert asked_section(normalize(text)) == section


def test_a_question_for_one_part_gets_that_part(catalogue):
    a = ask(catalogue, "办护照多少钱")
    assert (a.guide_id, a.section) == ("passport", "fee")
    assert a.reply.startswith("【普通护照】收费：") and "120元" in a.reply
    assert a.reply.endswith("/g/passport") and len(a.reply) < 200
    where = ask(catalogue, "补身份证去哪里办")
    assert where.section == "where"
    assert "略阳县测试路1号" in where.reply and "0000-1234567" in where.reply and "工作日 8:00-18:00" in where.reply


def test_every_whole_guide_reply_fits_one_screen(catalogue):
    """Whole-guide replies: at most 350 characters, even with the longest bureau details and link."""
    lengths = []
    for guide in catalogue.all():
        for bureau, url in ((BUREAU, f"https://bot.example.invalid/g/{guide.id}"), (WORST_BUREAU, WORST_URL)):
            reply = render_short_reply(guide, bureau, url)
            assert len(reply) <= SCREEN_CHARS, (guide.id, len(reply))
            assert reply.startswith(f"【{guide.title}】") and reply.endswith(url)
            assert "收费：" in reply and "时限：" in reply
        lengths.append(len(render_short_reply(guide, BUREAU, f"https://bot.example.invalid/g/{guide.id}")))
    assert max(lengths) <= SCREEN_CHARS and statistics.median(lengths) < 320


@pytest.mark.parametrize("text", [
    "我想举报有人赌博", "楼下有人吸毒", "举报传销窝点", "我发现一个诈骗窝点", "有人卖淫怎么举报",
    "上个月我家电动车被偷了怎么报案", "我要举报我们村有人私藏土枪",
])
def test_crime_reports_go_to_report_online(catalogue, text):
    assert ask(catalogue, text).guide_id == "report-online"


@pytest.mark.parametrize("text", ["我要投诉派出所民警态度差", "举报民警索贿", "民警不作为去哪投诉", "举报一个民警不作为"])
def test_complaints_about_police_go_to_complaint(catalogue, text):
    assert ask(catalogue, text).guide_id == "complaint"


def test_guides_check_validates_the_lexicon(tmp_path):
    """The matcher's words are data (guides/lexicon.toml): `guides check` names a bad entry."""
    import shutil

    from wechat_bot.services.guide_catalogue import DEFAULT_DIR, check_catalogue

    for path in DEFAULT_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    assert check_catalogue(tmp_path) == []
    lexicon = tmp_path / "lexicon.toml"
    text = lexicon.read_text(encoding="utf-8")
    text = text.replace('words = ["护照"', 'words = ["護照"', 1).replace("[S_TAIWAN]\nweight = 3", "[S_TAIWAN]\nweight = -1", 1)
    lexicon.write_text(text.replace("[C_CLUE]", "[C_CLUE_RENAMED]", 1), encoding="utf-8")
    problems = check_catalogue(tmp_path)
    assert any("S_PASSPORT" in p and "護照" in p and "简体" in p for p in problems), problems
    assert any("S_TAIWAN" in p and "weight" in p for p in problems), problems
    assert any("C_CLUE:" in p and "没有" in p for p in problems), problems
