"""Conversations: follow-ups answered from the citizen's last guide, through the real
webhook and through `guides ask - --json --as OPENID` (CONTRACT §2)."""
from __future__ import annotations

import json

from wechat_bot.cli import AppHolder, main
from wechat_bot.services.dialogue import CONTEXT_SECONDS
from wechat_bot.services.guide_sections import SCREEN_CHARS


def test_follow_ups_get_the_part_of_the_last_guide(wechat):
    first = wechat.say("身份证丢了怎么办", openid="o_conv")
    assert first.startswith("【居民身份证丢失补领") and len(first) <= SCREEN_CHARS
    fee = wechat.say("要多少钱", openid="o_conv")
    assert fee.startswith("【居民身份证丢失补领") and "收费：" in fee and "40元" in fee
    assert fee.rstrip().endswith("/g/idcard-reissue")
    materials = wechat.say("带啥", openid="o_conv")
    assert "所需材料：" in materials and "户口簿" in materials
    where = wechat.say("周末上班吗", openid="o_conv")
    assert "办理地点：" in where and "电话" in where and "地址" in where
    assert "办公时间" in where


def test_another_matter_switches_and_keeps_the_part_asked(wechat):
    wechat.say("补身份证多少钱", openid="o_switch")
    reply = wechat.say("那护照呢", openid="o_switch")
    assert reply.startswith("【普通护照】收费：") and "120元" in reply
    assert "护照" in wechat.say("几天能拿", openid="o_switch").split("】")[0]


def test_small_talk_keeps_the_context(wechat):
    wechat.say("护照怎么办", openid="o_thanks")
    thanks = wechat.say("谢谢", openid="o_thanks")
    assert "普通护照" in thanks and len(thanks) < 80
    assert wechat.say("在哪办", openid="o_thanks").startswith("【普通护照】办理地点：")


def test_context_expires_after_ten_minutes(wechat, clock):
    wechat.say("护照怎么办", openid="o_late")
    clock.advance(seconds=CONTEXT_SECONDS - 30)
    assert wechat.say("多少钱", openid="o_late").startswith("【普通护照】收费：")
    clock.advance(seconds=CONTEXT_SECONDS + 1)  # ten minutes after the last answer
    late = wechat.say("多少钱", openid="o_late")
    assert late.startswith("您问的是哪一项？") and "办事指南" in late


def test_a_new_citizen_asking_a_bare_part_is_asked_which_matter(wechat):
    assert wechat.say("要带什么材料", openid="o_new").startswith("您问的是哪一项？")


def test_context_belongs_to_its_citizen(app, wechat):
    wechat.say("护照怎么办", openid="o_a")
    assert wechat.say("多少钱", openid="o_b").startswith("您问的是哪一项？")


def test_an_emergency_wins_and_stays_until_the_citizen_moves_on(wechat):
    wechat.say("护照怎么办", openid="o_sos")
    assert wechat.say("有人拿刀在砍人", openid="o_sos").startswith("110")
    for follow_up in ("在城关镇中山路口", "咋办", "我好怕", "多少钱"):
        assert wechat.say(follow_up, openid="o_sos").startswith("110"), follow_up
    assert wechat.say("谢谢", openid="o_sos").startswith("110")
    moved_on = wechat.say("身份证丢了怎么补办", openid="o_sos")
    assert moved_on.startswith("【居民身份证丢失补领")


def test_a_fraud_call_keeps_the_fraud_advice(wechat):
    assert wechat.say("有个自称公安的人让我把钱转到安全账户", openid="o_fraud").startswith("110")
    reply = wechat.say("那我现在怎么办", openid="o_fraud")
    assert reply.startswith("110") and "不要转账" in reply


def test_emergency_context_expires(wechat, clock):
    wechat.say("着火了！三楼冒烟", openid="o_fire")
    clock.advance(seconds=CONTEXT_SECONDS + 1)
    assert not wechat.say("我好怕", openid="o_fire").startswith("119")


def test_a_retried_follow_up_gets_the_same_reply(wechat, wechat_side):
    wechat.say("护照怎么办", openid="o_retry")
    xml = wechat_side.text("多少钱", openid="o_retry", msg_id=424242)
    first = wechat.send(xml, openid="o_retry")["Content"]
    again = wechat.send(xml, openid="o_retry")["Content"]
    assert first == again and first.startswith("【普通护照】收费：")


def ask_as(app, runner, lines: str, *extra: str) -> list[dict]:
    result = runner.invoke(main, ["guides", "ask", "-", "--json", *extra], obj=AppHolder(None, app=app), input=lines)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.strip().splitlines()]


def test_cli_as_answers_one_citizens_lines_in_context(app, runner):
    answers = ask_as(app, runner, "身份证丢了怎么办\n要多少钱\n带啥\n那护照呢\n谢谢\n有人在打架\n在哪\n", "--as", "o_cli")
    assert [a["guide_id"] for a in answers] == [
        "idcard-reissue", "idcard-reissue", "idcard-reissue", "passport", None, "emergency", "emergency",
    ]
    assert [a["section"] for a in answers] == [None, "fee", "materials", "materials", None, None, None]
    assert answers[-1]["reply"].startswith("110") and answers[-1]["emergency"] is True


def test_cli_without_as_keeps_lines_independent(app, runner):
    answers = ask_as(app, runner, "身份证丢了怎么办\n要多少钱\n")
    assert answers[1]["guide_id"] is None and answers[1]["section"] is None
    assert all("section" in a for a in answers)


def test_cli_as_picks_from_the_list_it_offered(app, runner):
    answers = ask_as(app, runner, "身份证\n2\n多少钱\n", "--as", "o_pick")
    assert answers[0]["kind"] == "choice"
    assert answers[1]["guide_id"] == answers[0]["candidates"][1]
    assert answers[2]["guide_id"] == answers[1]["guide_id"] and answers[2]["section"] == "fee"


def test_cli_as_leaves_the_citizens_redis_context_alone(app, runner, wechat):
    ask_as(app, runner, "护照怎么办\n", "--as", "o_real")
    assert wechat.say("多少钱", openid="o_real").startswith("您问的是哪一项？")


def test_without_redis_a_message_is_answered_on_its_own(tmp_path):
    """The context is a convenience: an unreachable Redis neither breaks the answer nor raises."""
    import redis

    from wechat_bot.services.dialogue import Recall, RedisMemory
    from wechat_bot.store import Store

    memory = RedisMemory(Store(redis.Redis(unix_socket_path=str(tmp_path / "gone.sock"), socket_timeout=0.2)), "o_x")
    memory.keep(Recall(0.0, "passport", "fee"))
    assert memory.recall() is None


def test_recall_round_trips():
    from wechat_bot.services.dialogue import Recall
    from wechat_bot.services.guide_matching import Emergency

    for recall in (Recall(1.0, "passport", "fee"), Recall(2.0, alarm=Emergency(("110", "120"), "police"))):
        assert Recall.decode(recall.encode()) == recall
    assert Recall.decode("garbage") is None
