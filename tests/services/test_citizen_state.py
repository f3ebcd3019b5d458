"""One Redis round trip tells the webhook what it needs about a citizen before answering."""
from __future__ import annotations

import redis

from wechat_bot.services import citizen_state, conversations, dialogue, recent_messages, subscribers
from wechat_bot.services.conversations import Recall
from wechat_bot.store import Store


def glance(svc, openid, now, *, key="m1", text="要多少钱", want_choices=False):
    return citizen_state.glance(svc.store, svc.dedup.pipe, openid, message_key=key, text=text, source="text",
                                now=now, want_choices=want_choices)


def test_a_new_citizen_has_no_context_no_choices_and_no_open_consultation(app, clock):
    svc = app.extensions["wechat_bot"]
    recent_messages.restore_markers(svc.store, lambda: [])  # nobody has an open consultation
    seen = glance(svc, "o_new", clock(), want_choices=True)
    assert seen == citizen_state.Glance(None, [], False)
    # The message went into the ten-minute buffer in the same round trip.
    assert [r.text for r in recent_messages.recent(svc.store, "o_new", clock())] == ["要多少钱"]


def test_the_context_the_choices_and_the_marker_come_back_together(app, clock):
    svc = app.extensions["wechat_bot"]
    conversations.RedisMemory(svc.store, "o_a").keep(Recall(clock().timestamp(), "passport", "fee"))
    conversations.remember_choices(svc.store, "o_a", ["passport", "hk-macau"])
    recent_messages.mark_open(svc.store, "o_a", True)
    seen = glance(svc, "o_a", clock(), text="2", want_choices=True)
    assert seen.context == Recall(clock().timestamp(), "passport", "fee")
    assert seen.choices == ["passport", "hk-macau"] and seen.may_be_open is True
    # Not asked for, the choices are not read.
    assert glance(svc, "o_a", clock(), key="m2").choices == []
    # A retried copy of the message is buffered once.
    glance(svc, "o_a", clock(), key="m2")
    assert [r.key for r in recent_messages.recent(svc.store, "o_a", clock())] == ["m1", "m2"]


def test_the_markers_count_only_once_restored_and_until_redis_writes_are_in_doubt(app, clock):
    svc = app.extensions["wechat_bot"]
    first = glance(svc, "o_d", clock())
    assert first.may_be_open and first.markers_lost  # a Redis that never had them, or lost them
    assert recent_messages.restore_markers(svc.store, lambda: ["o_d"]) == {"o_d"}
    assert glance(svc, "o_d", clock(), key="m2") == citizen_state.Glance(None, [], True, marked=True)
    assert glance(svc, "o_e", clock(), key="m3") == citizen_state.Glance(None, [], False)
    svc.store.health.reconnected()  # Redis restarted, perhaps from an older snapshot
    for key in ("m4", "m5"):  # untrusted until restored again
        seen = glance(svc, "o_e", clock(), key=key)
        assert seen.may_be_open and seen.markers_lost and not seen.marked


def test_one_process_restores_the_markers_at_a_time(app):
    svc = app.extensions["wechat_bot"]
    svc.store.redis.set(svc.store.key("consultation-markers", "restoring"), "another process", ex=60)
    assert recent_messages.restore_markers(svc.store, lambda: ["o_f"]) is None
    assert not svc.store.redis.exists(subscribers.session_key(svc.store, "o_f", "consultation"))
    assert not svc.store.redis.exists(recent_messages.markers_complete_key(svc.store))


def test_known_memory_recalls_without_asking_redis_and_keeps_as_before(app, clock):
    svc = app.extensions["wechat_bot"]
    known = Recall(clock().timestamp(), "idcard-reissue", None)
    memory = citizen_state.KnownMemory(svc.store, "o_b", known)
    assert memory.recall() is known
    memory.keep(Recall(clock().timestamp(), "passport", "where"))
    assert conversations.RedisMemory(svc.store, "o_b").recall() == Recall(clock().timestamp(), "passport", "where")


def test_without_redis_the_glance_degrades_to_nothing_known_and_maybe_open(tmp_path, clock):
    from wechat_bot.dedup import Deduplicator

    store = Store(redis.Redis(unix_socket_path=str(tmp_path / "gone.sock"), socket_timeout=0.2))
    seen = citizen_state.glance(store, Deduplicator(store).pipe, "o_x", message_key="1", text="护照", source="text",
                                now=clock(), want_choices=True)
    assert seen == citizen_state.Glance(None, [], True)
    assert not store.health.available()  # the outage is noted once; later messages skip Redis


def test_where_redis_cannot_skip_replies_the_writes_answers_are_read_and_dropped(app, clock):
    """A server that refuses CLIENT REPLY SKIP (some proxies): the buffer's writes are
    acknowledged, and the glance reads those acknowledgements too, so the next command on the
    thread's connection reads its own answer."""
    svc = app.extensions["wechat_bot"]
    recent_messages.restore_markers(svc.store, lambda: ["o_s"])
    glance(svc, "o_s", clock(), key="m0")  # the thread's connection is open now
    svc.dedup.pipe.local.skips = False
    keep = svc.look_ahead("身份证丢了怎么补办", clock()).keep
    seen = citizen_state.glance(svc.store, svc.dedup.pipe, "o_s", message_key="m1", text="身份证丢了怎么补办",
                                source="text", now=clock(), want_choices=False, keep=keep)
    assert seen.marked and not seen.markers_lost and seen.kept == keep.recall
    assert svc.dedup.pipe.ask_many([("ECHO", "mine")]) == [b"mine"]
    assert [r.key for r in recent_messages.recent(svc.store, "o_s", clock())] == ["m0", "m1"]


def test_a_connection_redis_dropped_is_asked_again_on_a_fresh_one(app, clock):
    """Redis dropped the thread's connection (a restart, say): the glance is asked once more
    on a fresh connection, and counts as a reconnection (the markers are in doubt)."""
    svc = app.extensions["wechat_bot"]
    assert recent_messages.restore_markers(svc.store, lambda: ["o_g"]) == {"o_g"}
    glance(svc, "o_g", clock(), key="m0")  # the thread's connection is open now
    svc.store.redis.client_kill_filter(_type="normal", skipme=True)
    seen = glance(svc, "o_g", clock(), key="m1", text="护照")
    assert seen.marked and seen.may_be_open and seen.markers_lost
    assert svc.store.health.available()
    assert [r.key for r in recent_messages.recent(svc.store, "o_g", clock())] == ["m0", "m1"]  # buffered once


def test_a_clear_questions_context_is_written_in_the_same_round_trip(app, clock):
    """A clear question (or an emergency) leaves a context whatever came before: the glance
    writes it after reading the old one, and ``respond``, keeping the same, writes nothing more."""
    svc = app.extensions["wechat_bot"]
    keep = svc.look_ahead("身份证丢了怎么补办", clock()).keep
    assert keep.always and keep.recall == Recall(clock().timestamp(), "idcard-reissue", None)
    old = Recall(clock().timestamp() - 60, "passport", None)
    conversations.RedisMemory(svc.store, "o_h").keep(old)
    seen = citizen_state.glance(svc.store, svc.dedup.pipe, "o_h", message_key="m1", text="身份证丢了怎么补办",
                                source="text", now=clock(), want_choices=False, keep=keep)
    assert seen.context == old and seen.kept == keep.recall
    assert conversations.RedisMemory(svc.store, "o_h").recall() == keep.recall
    writes: list = []
    memory = citizen_state.KnownMemory(svc.store, "o_h", seen.context, lambda *command: writes.append(command),
                                       kept=seen.kept)
    answer = svc.respond("身份证丢了怎么补办", memory, clock(), [])
    assert answer.guide_id == "idcard-reissue" and writes == []
    # A follow-up's context depends on the last one: nothing is written ahead for it.
    assert svc.look_ahead("要多少钱", clock()).keep is None
    assert svc.look_ahead("有人拿刀砍人，快来", clock()).keep.recall.alarm is not None


def test_a_first_messages_context_is_written_in_the_same_round_trip_unless_there_is_one(app, clock):
    """A message that is not a clear question on its own ("护照") keeps its guide only when the
    citizen has no context: the glance writes it then, and leaves a live context alone, for
    ``respond`` to follow up from it and keep what follows."""
    svc = app.extensions["wechat_bot"]
    keep = svc.look_ahead("我想问问护照的事情", clock()).keep
    assert keep == dialogue.KeepAhead(Recall(clock().timestamp(), "passport", None), always=False)

    def answer(openid: str) -> list:
        seen = citizen_state.glance(svc.store, svc.dedup.pipe, openid, message_key="m1", text="我想问问护照的事情",
                                    source="text", now=clock(), want_choices=False, keep=keep)
        writes: list = []
        memory = citizen_state.KnownMemory(svc.store, openid, seen.context, lambda *command: writes.append(command),
                                           kept=seen.kept)
        assert svc.respond("我想问问护照的事情", memory, clock(), []).guide_id == "passport"
        return writes

    assert answer("o_first") == []  # written by the glance, nothing more
    assert conversations.RedisMemory(svc.store, "o_first").recall() == keep.recall
    old = Recall(clock().timestamp() - 60, "idcard-reissue", "fee")
    conversations.RedisMemory(svc.store, "o_asked").keep(old)
    writes = answer("o_asked")  # the glance left the live context for respond
    assert [(w[0], Recall.decode(w[2])) for w in writes] == [("SET", keep.recall)]
    assert conversations.RedisMemory(svc.store, "o_asked").recall() == old


def test_a_glance_that_failed_wrote_nothing_so_the_context_is_kept_as_before(tmp_path, clock):
    from wechat_bot.dedup import Deduplicator

    store = Store(redis.Redis(unix_socket_path=str(tmp_path / "gone.sock"), socket_timeout=0.2))
    keep = dialogue.KeepAhead(Recall(clock().timestamp(), "passport", None), always=True)
    seen = citizen_state.glance(store, Deduplicator(store).pipe, "o_y", message_key="1", text="护照怎么办",
                                source="text", now=clock(), want_choices=False, keep=keep)
    assert seen.kept is None  # respond's keep then goes to Redis itself (and degrades there)


def test_a_message_that_opens_a_consultation_reads_the_earlier_ones_in_the_same_round_trip(app, clock):
    """"人工" carries the citizen's earlier messages into the consultation: the glance reads them
    before buffering this one, and a retried copy does not count its first copy as earlier."""
    svc = app.extensions["wechat_bot"]
    assert svc.look_ahead("转人工", clock()).opens and not svc.look_ahead("身份证丢了怎么补办", clock()).opens
    glance(svc, "o_b", clock(), key="m1", text="身份证丢了怎么补办")
    seen = citizen_state.glance(svc.store, svc.dedup.pipe, "o_b", message_key="m2", text="转人工", source="text",
                                now=clock(), want_choices=False, want_buffer=True)
    assert [(r.key, r.text) for r in seen.earlier] == [("m1", "身份证丢了怎么补办")]
    again = citizen_state.glance(svc.store, svc.dedup.pipe, "o_b", message_key="m2", text="转人工", source="text",
                                 now=clock(), want_choices=False, want_buffer=True)
    assert again.earlier == seen.earlier
    assert glance(svc, "o_b", clock(), key="m3").earlier is None  # not asked for: not read


def test_scores_are_paired_in_either_protocol():
    assert citizen_state._scored([b"a", b"1.5", b"b", b"2"]) == [(b"a", b"1.5"), (b"b", b"2")]  # RESP2
    assert citizen_state._scored([[b"a", 1.5], [b"b", 2.0]]) == [[b"a", 1.5], [b"b", 2.0]]  # RESP3
    assert citizen_state._scored([]) == []
