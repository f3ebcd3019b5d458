"""WeChat retries a delivery it got no answer to: side effects must run once,
and every copy must get the same reply."""
from __future__ import annotations

import threading

from wechat_bot.dedup import Deduplicator, delivery_key


class CountingWaits(Deduplicator):
    """Counts deliveries that found the message already in hand."""

    def __init__(self, store) -> None:
        super().__init__(store)
        self.waiting = threading.Semaphore(0)

    def wait_for(self, rkey: str) -> str:
        self.waiting.release()
        return super().wait_for(rkey)


def test_three_concurrent_deliveries_are_handled_once_with_identical_replies(app, wechat_side):
    services = app.extensions["wechat_bot"]
    services.dedup = CountingWaits(services.store)
    calls: list[str] = []

    def record_once() -> None:
        calls.append("handled")
        # Hold the winning delivery until both other copies are waiting for it.
        assert services.dedup.waiting.acquire(timeout=5)
        assert services.dedup.waiting.acquire(timeout=5)

    def slow_handler(message, ctx):
        ctx.defer(record_once)
        return f"已受理：{message.content}"

    services.router.messages["text"] = slow_handler
    xml = wechat_side.text("护照怎么办", openid="o_erin", msg_id=424242)
    replies: list[dict[str, str]] = []
    lock = threading.Lock()

    def deliver() -> None:
        response = app.test_client().post(
            "/wechat?" + (sealed := wechat_side.seal(xml))[0], data=sealed[1], content_type="text/xml"
        )
        opened = wechat_side.open_reply(response.data, expect_to="o_erin")
        with lock:
            replies.append(opened)

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=15)
    assert calls == ["handled"]
    assert len(replies) == 3
    assert all(r == replies[0] for r in replies)
    assert replies[0]["Content"] == "已受理：护照怎么办"


def test_a_retry_after_the_first_finished_gets_the_stored_reply(app, wechat, wechat_side):
    services = app.extensions["wechat_bot"]
    count = {"n": 0}

    def handler(message, ctx):
        ctx.defer(lambda: count.__setitem__("n", count["n"] + 1))
        return "已受理"

    services.router.messages["text"] = handler
    xml = wechat_side.text("在吗", msg_id=777)
    first = wechat.send(xml)
    second = wechat.send(xml)
    assert count["n"] == 1
    assert first == second


def test_same_msgid_from_two_users_is_two_messages(app, wechat, wechat_side):
    seen: list[str] = []
    app.extensions["wechat_bot"].router.messages["text"] = lambda m, ctx: ctx.defer(lambda: seen.append(ctx.openid)) or "好"
    wechat.send(wechat_side.text("a", openid="o_1", msg_id=5, created=1700000000), openid="o_1")
    wechat.send(wechat_side.text("a", openid="o_2", msg_id=5, created=1700000000), openid="o_2")
    assert seen == ["o_1", "o_2"]


def test_event_keys_include_event_and_key():
    base = {"FromUserName": "o", "CreateTime": "1", "MsgType": "event"}
    a = delivery_key({**base, "Event": "CLICK", "EventKey": "CONTACT"})
    b = delivery_key({**base, "Event": "CLICK", "EventKey": "CONSULT"})
    assert a != b
    assert a == delivery_key({**base, "Event": "CLICK", "EventKey": "CONTACT"})


def test_waiting_copy_gives_up_before_wechats_five_seconds(app):
    services = app.extensions["wechat_bot"]
    dedup = Deduplicator(services.store, wait=0.05)
    key = "k-unfinished"
    services.store.redis.set(services.store.key("dedup", key), b"\x00pending", ex=60)
    claim = dedup.claim(key)
    assert not claim.won()
    assert claim.wait() == ""  # the webhook then answers "success"


def test_a_failing_side_effect_answers_the_polite_text_once(app, wechat, wechat_side):
    services = app.extensions["wechat_bot"]

    def broken(message, ctx):
        ctx.defer(lambda: 1 / 0)
        return "不会发出"

    services.router.messages["text"] = broken
    xml = wechat_side.text("人工", msg_id=9191)
    assert wechat.send(xml)["Content"] == services.messages.error
    assert wechat.send(xml)["Content"] == services.messages.error


def test_dedup_survives_a_dropped_redis_connection(app, wechat, wechat_side):
    services = app.extensions["wechat_bot"]
    wechat.say("人工 第一个问题")  # a side effect: this message takes a claim
    services.dedup.pipe.local.conn.disconnect()  # e.g. Redis restarted
    assert "工作人员" in wechat.say("人工 第二个问题")


def test_copies_of_a_message_without_side_effects_get_byte_identical_replies(app, wechat_side):
    import time

    created = int(time.time()) - 7
    xml = wechat_side.text("护照多少钱", openid="o_retry", msg_id=5150, created=created)
    replies = []
    for _ in range(3):  # WeChat's three tries, each with its own timestamp and nonce
        response = app.test_client().post("/wechat?" + (sealed := wechat_side.seal(xml))[0], data=sealed[1], content_type="text/xml")
        replies.append(wechat_side.open_reply(response.data, expect_to="o_retry"))
    assert replies[0] == replies[1] == replies[2]
    assert replies[0]["CreateTime"] == str(created)  # the message's time, not the clock's
