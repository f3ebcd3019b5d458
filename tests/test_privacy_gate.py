"""The privacy gate before approval, attacked the ways a reviewer found to slip personal
data past it: markup that splits a number in the source but joins it in the published
article, ID numbers written with separators or invisible characters, and the author
field. Each notice goes through the real workflow: created, submitted, approval refused.

Every number is synthetic (fake_id_number: a valid check digit, an impossible person)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from wechat_bot.db import get_session
from wechat_bot.errors import Invalid
from wechat_bot.models import NoticeEvent
from wechat_bot.services import notice_content as content
from wechat_bot.services.notice_screening import Screener
from wechat_bot.services.notices import NoticeWorkflow
from wechat_bot.services.users import create_user

from .notices_support import PASSWORD, STAFF, fake_id_number, fast_password_hashing  # noqa: F401
from .test_notices import flow, staff  # noqa: F401  (shared fixtures)

ID = fake_id_number()  # 610727 19010101 999X-style: region, birth date, sequence and check
MOBILE = "13812345678"
DIGEST = "略阳警方提醒群众谨防电信网络诈骗"  # explicit: the default digest would repeat the body
INTRO = "近日，我局接到群众报警称，有人冒充公检法机关工作人员要求其转账。"
IMAGE = "https://mmbiz.qpic.cn/mmbiz_jpg/abc/0?wx_fmt=jpeg"
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060")




def submitted(flow, staff, body, **fields):
    values = {"title": "略阳警方发布防诈提醒", "category": "police_news", "digest": DIGEST, "body": body}
    notice = flow.create(staff["wang"], **(values | fields))
    return notice, flow.submit(staff["wang"], notice)


def last_event(flow, notice):
    query = select(NoticeEvent).where(NoticeEvent.notice_id == notice.id).order_by(NoticeEvent.id.desc())
    return flow.session.scalars(query).first()


def full_width(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})


# --- 1. markup that joins a number in the published article ---------------------------

# body → (what the published article shows, what the source scan sees of it). A source
# finding can be partial: 联系电话1381234 reads as a landline; masking it must not
# excuse the whole number the article shows.
HIDDEN_BY_MARKUP = {
    "empty tag": (f"报警人王某某，联系电话138<b></b>{MOBILE[3:]}。", "mobile", []),
    "bold tail": (f"报警人王某某，联系电话{MOBILE[:7]}**{MOBILE[7:]}**。", "mobile", ["landline"]),
    "two spans": (f"报警人王某某，联系电话<span>{MOBILE[:7]}</span><span>{MOBILE[7:]}</span>。", "mobile", []),
    "html comment": (f"报警人王某某，联系电话138<!-- -->{MOBILE[3:]}。", "mobile", []),
    "entity": (f"当事人身份证号{ID[:10]}&#{ord(ID[10])};{ID[11:]}已登记。", "id_number", []),
    "named entity": (f"当事人身份证号{ID[:6]}&nbsp;{ID[6:14]}&nbsp;{ID[14:]}已登记。", "id_number", []),
    "image alt": (f"现场照片：\n\n![报警人电话{MOBILE[:3]}&#{ord(MOBILE[3])};{MOBILE[4:]}]({IMAGE})", "mobile", []),
    "image title": (f'现场照片：\n\n![现场]({IMAGE} "当事人电话{MOBILE[:7]}&#32;{MOBILE[7:]}")', "mobile", ["landline"]),
    "emphasis": (f"*犯罪嫌疑人王小明*已被刑事拘留。", "name", []),
}


@pytest.mark.parametrize("body, kind, in_source", HIDDEN_BY_MARKUP.values(), ids=HIDDEN_BY_MARKUP.keys())
def test_data_joined_by_markup_blocks_approval(flow, staff, body, kind, in_source):
    notice, findings = submitted(flow, staff, f"{INTRO}\n\n{body}")
    assert [item.finding.kind for item in findings if item.field == "body"] == in_source
    published = [item for item in findings if item.field == "published"]
    assert [item.finding.kind for item in published] == [kind], findings
    assert published[0].blocking and published[0].where == "正文（排版后）"
    assert "请直接修改原文" in published[0].finding.message
    with pytest.raises(Invalid, match=r"隐私与保密检查未通过：.*正文（排版后）"):
        flow.approve(staff["li"], notice)
    assert notice.review_step == 0
    details = last_event(flow, notice).details
    assert MOBILE not in details and ID not in details and "王小明" not in details
    if not in_source:  # nothing in the source to mask: one-click masking must not claim a fix
        with pytest.raises(Invalid, match="没有可以自动脱敏的内容"):
            flow.apply_masks(staff["li"], notice)


def test_a_rewritten_body_passes_once_the_article_shows_no_number(flow, staff):
    notice, _ = submitted(flow, staff, f"{INTRO}\n\n报警人王某某，联系电话{MOBILE[:7]}**{MOBILE[7:]}**。")
    flow.reject(staff["li"], notice, "正文排版后出现手机号")
    flow.update(staff["wang"], notice, title=notice.title, category=notice.category, digest=DIGEST,
                body=f"{INTRO}\n\n报警人王某某，联系电话 138****5678。")
    assert flow.submit(staff["wang"], notice) == []
    flow.approve(staff["li"], notice)
    flow.approve(staff["chen"], notice)
    assert notice.state == "approved"


def test_the_same_number_found_in_the_source_is_reported_once_and_can_be_masked(flow, staff):
    notice, findings = submitted(flow, staff, f"{INTRO}\n\n报警人王某某，电话 <span>{MOBILE}</span>。")
    assert [(item.field, item.finding.kind) for item in findings] == [("body", "mobile")]
    assert flow.apply_masks(staff["li"], notice) == 1
    flow.approve(staff["li"], notice)
    assert notice.review_step == 1


def test_masks_written_into_markdown_keep_their_stars_on_the_page():
    screener = Screener()
    body = f"报警人王某某，电话 **{MOBILE}**。"
    masked = screener.mask(body, markdown=True)
    assert masked == "报警人王某某，电话 **138\\*\\*\\*\\*5678**。"
    assert "138****5678" in content.render_html(masked)
    assert screener.screen("标题", DIGEST, masked) == []
    assert screener.mask(f"电话 {MOBILE}", markdown=True) == "电话 138****5678"  # no emphasis: as is
    assert screener.mask(f"电话{MOBILE}") == "电话138****5678"  # title, digest: plain text


def test_masking_a_number_in_bold_leaves_an_approvable_article(flow, staff):
    notice, _ = submitted(flow, staff, f"{INTRO}\n\n报警人王某某，电话 **{MOBILE}**。")
    flow.apply_masks(staff["li"], notice)
    assert "138****5678" in notice.content_html  # not <strong>138</strong><strong>5678</strong>
    flow.approve(staff["li"], notice)


def test_a_second_hidden_copy_is_not_excused_by_a_visible_one(flow, staff):
    body = f"{INTRO}\n\n报警人电话{MOBILE}。\n\n其另一号码{MOBILE[:7]}**{MOBILE[7:]}**。"
    _, findings = submitted(flow, staff, body)
    assert [(item.field, item.finding.kind) for item in findings] == [("body", "mobile"), ("published", "mobile")]


def test_an_ordinary_notice_with_markup_and_entities_still_passes(flow, staff):
    body = (
        "## 防诈提醒\n\n近日，我局破获一起电信网络诈骗案，为群众挽回损失 **12 万元**。\n\n"
        "- 不轻信陌生来电\n- 不透露验证码 &amp; 银行卡密码\n\n"
        "咨询电话：0916-4821234（略阳县公安局反诈中心）\n\n"
        f'![反诈宣传]({IMAGE} "反诈宣传海报")\n\n请广大群众&nbsp;提高警惕。'
    )
    notice, findings = submitted(flow, staff, body)
    assert findings == []
    flow.approve(staff["li"], notice)
    flow.approve(staff["chen"], notice)
    assert notice.state == "approved"


# --- 2. ID numbers with separators and invisible characters ---------------------------

SEPARATED_IDS = {
    "6-8-4 spaces": f"{ID[:6]} {ID[6:14]} {ID[14:]}",
    "6-4-4-4 spaces": f"{ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
    "6-8-4 hyphens": f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",
    "full-width hyphens": full_width(f"{ID[:6]}-{ID[6:14]}-{ID[14:]}"),
    **{f"U+{ord(ch):04X}": ID[:9] + ch + ID[9:] for ch in ZERO_WIDTH},
}


@pytest.mark.parametrize("written", SEPARATED_IDS.values(), ids=SEPARATED_IDS.keys())
def test_an_id_number_with_separators_blocks_approval_and_masks(flow, staff, written):
    notice, findings = submitted(flow, staff, f"{INTRO}\n\n当事人身份证号{written}已登记在案。")
    assert [(item.field, item.finding.kind) for item in findings] == [("body", "id_number")]
    assert findings[0].finding.text == written
    with pytest.raises(Invalid, match="身份证号 1 处（正文）"):
        flow.approve(staff["li"], notice)
    assert flow.apply_masks(staff["li"], notice) == 1
    assert written not in notice.body and not set(ZERO_WIDTH) & set(notice.body)
    flow.approve(staff["li"], notice)
    assert notice.review_step == 1


@pytest.mark.parametrize("invisible", ZERO_WIDTH, ids=[f"U+{ord(ch):04X}" for ch in ZERO_WIDTH])
def test_invisible_characters_hide_no_phone_name_or_secrecy_marker(flow, staff, invisible):
    body = (
        f"{INTRO}\n\n报警人张{invisible}小红，电话138{invisible}1234{invisible}5678。\n\n"
        f"（内部{invisible}资料）"
    )
    notice, findings = submitted(flow, staff, body, private_names="张小红")
    assert [item.finding.kind for item in findings] == ["name", "mobile", "sensitive_word"]
    with pytest.raises(Invalid, match="隐私与保密检查未通过"):
        flow.approve(staff["li"], notice)
    assert flow.apply_masks(staff["li"], notice) == 2
    assert "报警人张某某，电话138****5678" in notice.body


# --- 3. the author field ---------------------------------------------------------------

def test_the_author_field_is_screened_and_must_be_rewritten():
    findings = Screener().screen("防诈提醒", DIGEST, "正文", "张小红", author=f"张小红{MOBILE}")
    assert [(item.field, item.finding.kind) for item in findings] == [("author", "name"), ("author", "mobile")]
    assert all(item.blocking for item in findings)  # the workflow's masking leaves the author alone
    assert Screener().screen("防诈提醒", DIGEST, "正文", author="略阳公安") == []


def test_personal_data_in_the_author_field_blocks_approval(flow, staff):
    notice, findings = submitted(flow, staff, "近日，我局破获一起电信网络诈骗案。", author=f"民警{MOBILE}")
    assert [(item.field, item.finding.kind) for item in findings] == [("author", "mobile")]
    with pytest.raises(Invalid, match="手机号 1 处（作者）"):
        flow.approve(staff["li"], notice)


def test_findings_in_the_audit_trail_name_the_field_but_not_the_data(flow, staff):
    notice, _ = submitted(flow, staff, f"{INTRO}\n\n联系电话<span>{MOBILE[:7]}</span>{MOBILE[7:]}，报警人王某某。")
    event = last_event(flow, notice)
    assert "手机号 1 处（正文（排版后））" in event.comment
    [summary] = json.loads(event.details)["findings"]
    assert (summary["field"], summary["kind"], summary["mask"]) == ("published", "mobile", "138****5678")
    assert MOBILE not in event.details


def test_a_hostile_private_names_field_stays_fast_and_is_capped():
    """15,000 one-character "names" against a 30,000-character body was quadratic (minutes)."""
    import time

    from wechat_bot.services.notice_screening import PRIVATE_NAMES_MAX, Screener, private_name_list

    names = "1 " * 15_000
    assert private_name_list(names) == []  # a single character is no name
    many = " ".join(f"王{i:03d}" for i in range(200))
    assert len(private_name_list(many)) == PRIVATE_NAMES_MAX
    started = time.thread_time()
    Screener().screen("标题", "", "1 " * 15_000, private_names=many)
    Screener().screen("标题", "", "王001 " * 6_000, private_names=names)
    assert time.thread_time() - started < 2.0
