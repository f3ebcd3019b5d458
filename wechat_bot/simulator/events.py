"""Event XML that WeChat pushes to the developer URL when async jobs end.

Shapes follow the official samples (wechat-platform.md §1.6): PUBLISHJOBFINISH
carries ``PublishEventInfo``; MASSSENDJOBFINISH carries MsgID, Status, the four
counts, CopyrightCheckResult and ArticleUrlResult. ``FromUserName`` is the
system openid WeChat uses as sender of these events (doc samples:
``oV5CrjpxgaGXNHIQigzNlgLTnwic``); ``ToUserName`` is the account's original id.
"""
from __future__ import annotations

from collections.abc import Sequence

SYSTEM_OPENID = "oV5CrjpxgaGXNHIQigzNlgLTnwic"


def cdata(value: object) -> str:
    text = str(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{text}]]>"


def _head(to_user: str, from_user: str, create_time: int, event: str) -> list[str]:
    return [
        "<xml>",
        f"<ToUserName>{cdata(to_user)}</ToUserName>",
        f"<FromUserName>{cdata(from_user)}</FromUserName>",
        f"<CreateTime>{create_time}</CreateTime>",
        f"<MsgType>{cdata('event')}</MsgType>",
        f"<Event>{cdata(event)}</Event>",
    ]


def publish_job_finish(*, to_user: str, from_user: str, create_time: int,
                       publish_id: str, publish_status: int, article_id: str | None,
                       article_urls: Sequence[str], fail_idx: Sequence[int]) -> str:
    lines = _head(to_user, from_user, create_time, "PUBLISHJOBFINISH")
    lines += ["<PublishEventInfo>", f"<publish_id>{publish_id}</publish_id>",
              f"<publish_status>{publish_status}</publish_status>"]
    if article_id:
        lines.append(f"<article_id>{cdata(article_id)}</article_id>")
    if publish_status == 0:
        lines += ["<article_detail>", f"<count>{len(article_urls)}</count>"]
        for idx, url in enumerate(article_urls, start=1):
            lines += ["<item>", f"<idx>{idx}</idx>",
                      f"<article_url>{cdata(url)}</article_url>", "</item>"]
        lines.append("</article_detail>")
    lines += [f"<fail_idx>{i}</fail_idx>" for i in fail_idx]
    lines += ["</PublishEventInfo>", "</xml>"]
    return "\n".join(lines)


def mass_send_job_finish(*, to_user: str, from_user: str, create_time: int,
                         msg_id: int, status: str, total: int, filtered: int, sent: int,
                         errors: int, article_urls: Sequence[str]) -> str:
    lines = _head(to_user, from_user, create_time, "MASSSENDJOBFINISH")
    lines += [
        f"<MsgID>{msg_id}</MsgID>",
        f"<Status>{cdata(status)}</Status>",
        f"<TotalCount>{total}</TotalCount>",
        f"<FilterCount>{filtered}</FilterCount>",
        f"<SentCount>{sent}</SentCount>",
        f"<ErrorCount>{errors}</ErrorCount>",
        "<CopyrightCheckResult>", "<Count>0</Count>", "<ResultList></ResultList>",
        "<CheckState>1</CheckState>", "</CopyrightCheckResult>",
        "<ArticleUrlResult>", f"<Count>{len(article_urls)}</Count>", "<ResultList>",
    ]
    for idx, url in enumerate(article_urls, start=1):
        lines += ["<item>", f"<ArticleIdx>{idx}</ArticleIdx>",
                  f"<ArticleUrl>{cdata(url)}</ArticleUrl>", "</item>"]
    lines += ["</ResultList>", "</ArticleUrlResult>", "</xml>"]
    return "\n".join(lines)
