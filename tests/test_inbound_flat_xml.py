"""WeChat's flat payloads are read without a parser (``inbound.parse_flat_xml``); wherever
that fast reading accepts a document it must give what the parser gives, and everything
it does not accept still goes to the parser, with its refusals."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wechat_side import WeChatSide
from wechat_bot.inbound import InboundError, _children, parse_flat_xml, parse_xml

from xml.etree.ElementTree import ParseError, fromstring


def _parsed(body: bytes):
    """What the parser makes of the document: its flat dict, or None when it refuses it."""
    try:
        root = fromstring(body)
    except (ParseError, ValueError, UnicodeError):
        return None
    return _children(root) if root.tag == "xml" else None


def test_a_real_message_and_its_envelope_take_the_fast_path():
    side = WeChatSide("token", "a" * 43, "wx0123456789abcdef")
    inner = side.text("身份证丢了怎么办\r\n急", openid="o_flat_1", msg_id=123456)
    flat = parse_flat_xml(inner.encode())
    assert flat is not None and flat == _parsed(inner.encode())
    assert flat["Content"] == "身份证丢了怎么办\n急" and flat["MsgId"] == "123456"
    _, sealed = side.seal(inner)
    assert parse_flat_xml(sealed) == _parsed(sealed) and "Encrypt" in parse_flat_xml(sealed)


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><xml><A>1</A></xml>',          # a declaration
    b"<xml><A><B>1</B></A></xml>",                        # nesting
    b'<xml><A x="1">1</A></xml>',                         # an attribute
    b"<xml><A>&amp;</A></xml>",                           # an entity
    b"<xml><A>1</A><A>2</A></xml>",                       # a repeated tag (a list)
    b"<xml><A><![CDATA[a]]]]><![CDATA[>b]]></A></xml>",   # two sections in one leaf
    b"<xml><A><![CDATA[\x01]]></A></xml>",                # a character XML forbids
    b"<xml><A><![CDATA[\x0b\xef\xbf\xbe]]></A></xml>",        # and two more
    b"<xml><A><![CDATA[\xff]]></A></xml>",                # not UTF-8
    b"<xml><A/></xml>",                                   # an empty-element tag
    b"<xml>\x0c<A>1</A></xml>",                           # form feed is not XML whitespace
    b"<xml><A>1</B></xml>",                               # mismatched tags
    b"<xml><A>1</A></xml><xml/>",                         # something after the root
])
def test_anything_but_a_flat_payload_goes_to_the_parser(body):
    assert parse_flat_xml(body) is None
    expected = _parsed(body)
    if expected is None:
        with pytest.raises(InboundError):
            parse_xml(body)
    else:
        assert parse_xml(body) == expected


_TAGS = st.sampled_from(["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Encrypt",
                         "Event", "x", "_a1"])
_CHUNKS = st.sampled_from(["身份证", "a", "1", " ", "\r", "\n", "\r\n", "\t", "]", "]]", "]]>", ">", "<", "&",
                           "\x0b", "\x1f", "\ufffe", "😀", "<![CDATA[", "]]]]><![CDATA[>", "\x7f", "\u2028"])
_SPACES = st.sampled_from(["", "", "", " ", "\n", "\r\n", "\t", "\x0c", "\x0b"])


@st.composite
def _documents(draw) -> bytes:
    parts = [draw(_SPACES), "<xml>"]
    for _ in range(draw(st.integers(0, 4))):
        tag = draw(_TAGS)
        close = tag if draw(st.integers(0, 19)) else draw(_TAGS)
        content = "".join(draw(st.lists(_CHUNKS, max_size=4)))
        kind = draw(st.integers(0, 9))  # mostly a section, sometimes a plain value, rarely raw text
        value = (f"<![CDATA[{content}]]>" if kind < 6 else
                 draw(st.sampled_from(["", "1700000000", "text", "1.5", "-"])) if kind < 9 else content)
        parts += [draw(_SPACES), f"<{tag}>{value}</{close}>"]
    parts += [draw(_SPACES), "</xml>", draw(_SPACES)]
    body = "".join(parts).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 3)) == 0:  # and a byte or two changed anywhere
        for _ in range(draw(st.integers(1, 2))):
            at = draw(st.integers(0, len(body)))
            body = body[:at] + bytes([draw(st.integers(0, 255))]) + body[at + 1:]
    return body


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_where_the_fast_reading_accepts_a_document_the_parser_reads_it_alike(body):
    flat = parse_flat_xml(body)
    if flat is not None:
        assert flat == _parsed(body)
