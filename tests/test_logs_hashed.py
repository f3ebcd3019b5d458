"""Logs never carry a citizen's openid or words in clear (only the hash)."""
from __future__ import annotations

import logging

from wechat_bot.router import hash_openid

OPENID = "o_logcheck_citizen_7"


def test_a_whole_conversation_logs_no_openid_and_no_text(app, wechat, wechat_side, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wechat.send(wechat_side.event("subscribe", openid=OPENID), openid=OPENID)
    wechat.say("身份证", openid=OPENID)
    wechat.say("1", openid=OPENID)
    wechat.say("人工 我叫张三，电话13800000000", openid=OPENID)
    query, body = wechat_side.seal(wechat_side.text("伪造", openid=OPENID))
    assert wechat.post(query.replace("signature=", "signature=0"), body).status_code == 403
    wechat.send(wechat_side.event("unsubscribe", openid=OPENID), openid=OPENID)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "unsubscribe" in text and hash_openid(OPENID) in text
    for secret in (OPENID, "张三", "13800000000", "伪造"):
        assert secret not in text
