"""The webhook's own envelope code against wechatpy's and against the XML WeChat expects.

The server encrypts and decrypts with ``inbound.MessageCipher`` and renders text replies
with ``inbound.text_reply`` (cheaper than wechatpy's, bench/README.md); every webhook test
already opens its replies with our independent WeChat side (tests/wechat_side.py). Here
each is also checked against wechatpy, a third implementation of the same protocol.
"""
from __future__ import annotations

import base64
from xml.etree.ElementTree import fromstring

import pytest
from wechatpy.crypto import PrpCrypto
from wechatpy.replies import TextReply

from tests.conftest import TEST_AES_KEY
from wechat_bot.config import SANDBOX_APP_ID
from wechat_bot.inbound import MessageCipher, text_reply

KEY = base64.b64decode(TEST_AES_KEY + "=")
MESSAGES = ["<xml><Content><![CDATA[身份证丢了怎么补办]]></Content></xml>", "", "x" * 27, "y" * 28, "补" * 4000]


@pytest.mark.parametrize("message", MESSAGES)
def test_what_we_encrypt_wechatpy_decrypts_and_the_reverse(message):
    ours = MessageCipher(KEY, SANDBOX_APP_ID)
    theirs = PrpCrypto(KEY)
    assert theirs.decrypt(ours.encrypt(message), SANDBOX_APP_ID) == message
    assert ours.decrypt(theirs.encrypt(message, SANDBOX_APP_ID).decode("ascii")) == message.encode("utf-8")


def test_each_reply_is_encrypted_afresh():
    ours = MessageCipher(KEY, SANDBOX_APP_ID)
    assert ours.encrypt("同一条回复") != ours.encrypt("同一条回复")  # 16 random bytes lead each one


@pytest.mark.parametrize("tamper", [
    lambda sealed: MessageCipher(base64.b64decode("A" * 43 + "="), SANDBOX_APP_ID).encrypt("<xml/>"),  # another key
    lambda sealed: sealed[:-8],                                                                           # cut short
    lambda sealed: base64.b64encode(base64.b64decode(sealed)[:-16]).decode(),                         # a block missing
    lambda sealed: "",
])
def test_anything_but_our_own_message_is_refused(tamper):
    ours = MessageCipher(KEY, SANDBOX_APP_ID)
    with pytest.raises(ValueError):
        ours.decrypt(tamper(ours.encrypt("<xml><Content>hi</Content></xml>")))


def test_a_message_for_another_account_is_refused():
    other = PrpCrypto(KEY).encrypt("<xml/>", "wx_other_account").decode("ascii")
    with pytest.raises(ValueError):
        MessageCipher(KEY, SANDBOX_APP_ID).decrypt(other)


@pytest.mark.parametrize("content", ["您好！\n身份证补领：带户口簿。", "<a href=\"https://x/g/1\">办事指南</a> & 更多", "  "])
def test_a_text_reply_is_what_wechatpy_renders(content):
    reply = TextReply(content=content, source="gh_lueyang", target="o_citizen", time=1_700_000_000)
    assert text_reply("o_citizen", "gh_lueyang", 1_700_000_000, content) == reply.render()


def test_a_reply_holding_the_cdata_terminator_stays_well_formed():
    content = "示例：]]><b>不是标签</b>]]>"
    root = fromstring(text_reply("o_citizen", "gh_lueyang", 1_700_000_000, content))
    assert root.findtext("Content") == content
    assert root.findtext("ToUserName") == "o_citizen"


def test_open_contexts_encrypt_as_fresh_ones_do(monkeypatch):
    """Each thread keeps its CBC contexts open from one message to the next (MessageCipher's
    docstring). Every reply must still be exactly what a fresh context with the IV makes,
    whatever came before it (other lengths, a refused message) and in every thread."""
    import threading

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    from wechat_bot import inbound

    monkeypatch.setattr(inbound.secrets, "token_hex", lambda n: "0123456789abcdef"[: 2 * n])
    ours = MessageCipher(KEY, SANDBOX_APP_ID)
    theirs = PrpCrypto(KEY)

    def fresh(message: str) -> str:
        body = message.encode("utf-8")
        plain = b"0123456789abcdef" + len(body).to_bytes(4, "big") + body + SANDBOX_APP_ID.encode()
        pad = 32 - len(plain) % 32
        encryptor = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain + bytes((pad,)) * pad) + encryptor.finalize()).decode()

    failures: list[str] = []

    def converse(seed: int) -> None:
        for i in range(150):
            message = f"第{seed}-{i}条" + "补" * ((seed * 37 + i * 11) % 300)
            if ours.encrypt(message) != fresh(message):
                failures.append(f"encrypt {seed}-{i}")
            if ours.decrypt(theirs.encrypt(message, SANDBOX_APP_ID).decode("ascii")) != message.encode("utf-8"):
                failures.append(f"decrypt {seed}-{i}")
            if i % 7 == 0:
                with pytest.raises(ValueError):
                    ours.decrypt(base64.b64encode(b"x" * (16 * (i % 3) + 5)).decode())  # not whole blocks

    threads = [threading.Thread(target=converse, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
