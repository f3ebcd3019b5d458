"""The notice state machine: every transition, every refusal, screening, and the audit trail."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from wechat_bot.db import get_session
from wechat_bot.errors import Invalid
from wechat_bot.models import Notice, NoticeEvent
from wechat_bot.models.notice import AuditTrailIsImmutable
from wechat_bot.services import notice_content as content
from wechat_bot.services.notice_queries import dashboard, list_notices, trail
from wechat_bot.services.notices import NoticeWorkflow, due_notices
from wechat_bot.services.users import create_user

from .notices_support import PASSWORD, STAFF, fake_id_number, fast_password_hashing  # noqa: F401

ID = fake_id_number()
INTRO = "近日，我局接到群众报警称，有人冒充公检法机关工作人员，以涉嫌洗钱为由要求其转账，民警迅速开展调查，现将有关情况通报如下。"
BODY = f"{INTRO}\n\n报警人身份证号 {ID}，联系电话 13912345678。\n\n请广大群众提高警惕。"
CLEAN = "近日，我局破获一起电信网络诈骗案，为群众挽回损失 12 万元。\n\n请广大群众提高警惕，谨防诈骗。"


@pytest.fixture
def flow(app):
    with app.app_context():
        services = app.extensions["wechat_bot"]
        yield NoticeWorkflow.from_settings(get_session(), services.settings, services.clock)


@pytest.fixture
def staff(flow):
    return {
        name: create_user(flow.session, name, role, PASSWORD, flow.clock(), display_name=label)
        for name, (label, role) in STAFF.items()
    }


def new(flow, staff, body=CLEAN, by="wang", **fields):
    values = {"title": "略阳警方破获一起电诈案", "category": "police_news", "body": body} | fields
    return flow.create(staff[by], **values)


def in_review(flow, staff, **fields):
    notice = new(flow, staff, **fields)
    flow.submit(staff["wang"], notice)
    return notice


def events(flow, notice):
    return list(flow.session.scalars(select(NoticeEvent).where(NoticeEvent.notice_id == notice.id).order_by(NoticeEvent.id)))


# --- creating and editing ------------------------------------------------------

def test_create_makes_a_draft_with_rendered_html_default_digest_and_an_audit_row(flow, staff):
    notice = new(flow, staff, body="# 小标题\n\n" + CLEAN)
    assert notice.state == "draft"
    assert notice.author == "略阳公安"
    assert notice.content_html.startswith("<h2>小标题</h2>")
    assert notice.digest.startswith("小标题 近日，我局破获") and len(notice.digest) <= 54
    [event] = events(flow, notice)
    assert (event.action, event.from_state, event.to_state, event.actor_name) == ("create", "", "draft", "王编辑")


def test_title_longer_than_32_characters_is_refused(flow, staff):
    with pytest.raises(Invalid, match="标题最多 32 个字"):
        new(flow, staff, title="字" * 33)
    assert new(flow, staff, title="字" * 32).title == "字" * 32


def test_unknown_category_is_refused(flow, staff):
    with pytest.raises(Invalid, match="未知的栏目"):
        new(flow, staff, category="sports")


@pytest.mark.parametrize(("given", "code"), [("警方動態", "police_news"), ("警方动态", "police_news"),
                                              ("財政預決算及三公經費", "budget"), ("警情通報", "incident"),
                                              ("announcement", "announcement")])
def test_category_accepts_codes_and_labels_in_simplified_or_traditional(flow, staff, given, code):
    assert new(flow, staff, category=given).category == code


def test_digest_over_128_characters_is_refused(flow, staff):
    with pytest.raises(Invalid, match="摘要最多 128 个字"):
        new(flow, staff, digest="摘" * 129)


def test_time_in_the_past_is_refused(flow, staff):
    with pytest.raises(Invalid, match="已过"):
        new(flow, staff, scheduled_at=flow.clock() - timedelta(minutes=1))


def test_schedule_without_offset_is_shanghai_time_and_stored_utc(flow, staff):
    when = content.parse_local_time("2026-11-26T09:00", flow.tz)
    assert when == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert content.parse_local_time("2026-11-26T09:00+00:00", flow.tz) == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    notice = new(flow, staff, scheduled_at=when)
    flow.session.expire_all()
    assert flow.session.get(Notice, notice.id).scheduled_at == when
    assert content.local_text(notice.scheduled_at, flow.tz) == "2026-11-26 09:00"


def test_only_the_author_or_an_admin_edits_and_only_drafts(flow, staff):
    notice = new(flow, staff)
    fields = {"title": "新标题", "category": "police_news", "body": CLEAN}
    with pytest.raises(Invalid, match="撰写人或管理员"):
        flow.update(staff["zhou"], notice, **fields)
    with pytest.raises(Invalid, match="撰写人或管理员"):
        flow.update(staff["li"], notice, **fields)
    assert flow.update(staff["wang"], notice, **fields).title == "新标题"
    flow.submit(staff["wang"], notice)
    with pytest.raises(Invalid, match="不能修改"):
        flow.update(staff["wang"], notice, **fields)


def test_reviewers_cannot_write_notices(flow, staff):
    with pytest.raises(Invalid, match="只有编辑或管理员"):
        new(flow, staff, by="li")


# --- submit and approve --------------------------------------------------------

def test_submit_then_two_steps_approve_schedules_the_notice(flow, staff):
    when = flow.clock() + timedelta(days=1)
    notice = in_review(flow, staff, scheduled_at=when)
    assert (notice.state, notice.review_step) == ("in_review", 0)
    flow.approve(staff["li"], notice)
    assert (notice.state, notice.review_step) == ("in_review", 1)
    assert flow.current_step_name(notice) == "审发"
    flow.approve(staff["chen"], notice, comment="同意发布")
    assert notice.state == "approved"
    assert notice.approved_at == flow.clock() and notice.scheduled_at == when
    assert [e.action for e in events(flow, notice)] == ["create", "submit", "approve", "approve"]


def test_final_approval_without_a_time_publishes_as_soon_as_possible(flow, staff):
    notice = in_review(flow, staff)
    flow.approve(staff["li"], notice)
    flow.approve(staff["zhao"], notice)
    assert notice.scheduled_at == flow.clock()
    assert [n.id for n in due_notices(flow.session, flow.clock())] == [notice.id]


def test_submit_with_findings_is_allowed_and_records_them_without_the_personal_data(flow, staff):
    notice = new(flow, staff, body=BODY)
    findings = flow.submit(staff["wang"], notice)
    assert notice.state == "in_review"
    assert {f.finding.kind for f in findings} == {"id_number", "mobile"}
    submit = events(flow, notice)[-1]
    assert "身份证号 1 处（正文）" in submit.comment
    details = json.loads(submit.details)
    assert {f["kind"] for f in details["findings"]} == {"id_number", "mobile"}
    assert ID not in submit.details and "13912345678" not in submit.details


def test_approval_is_refused_while_findings_remain(flow, staff):
    notice = in_review(flow, staff, body=BODY)
    with pytest.raises(Invalid, match="隐私与保密检查未通过：身份证号 1 处（正文）"):
        flow.approve(staff["li"], notice)
    assert notice.review_step == 0


def test_findings_are_screened_again_on_every_approval(flow, staff):
    notice = in_review(flow, staff)
    flow.approve(staff["li"], notice)
    flow.screener.sensitive_words = ("雷霆行动",)  # a word added to the config since step one
    notice.body += "\n\n雷霆行动"
    with pytest.raises(Invalid, match="涉密标识"):
        flow.approve(staff["chen"], notice)


def test_nobody_approves_their_own_notice_not_even_an_admin(flow, staff):
    notice = new(flow, staff, by="zhao")
    flow.submit(staff["zhao"], notice)
    with pytest.raises(Invalid, match="不能审核自己"):
        flow.approve(staff["zhao"], notice)


def test_an_author_who_is_an_editor_is_told_it_is_their_own_notice(flow, staff):
    notice = in_review(flow, staff)
    assert flow.approval_refusal(staff["wang"], notice) == "不能审核自己撰写或修改过的稿件"


def test_an_admin_who_edited_someone_elses_notice_cannot_approve_it(flow, staff):
    notice = new(flow, staff)
    flow.update(staff["zhao"], notice, title="管理员改过的标题", category="police_news", body=CLEAN)
    flow.submit(staff["wang"], notice)
    with pytest.raises(Invalid, match="不能审核自己撰写或修改过"):
        flow.approve(staff["zhao"], notice)


def test_the_same_person_cannot_approve_two_steps(flow, staff):
    notice = in_review(flow, staff)
    flow.approve(staff["li"], notice)
    with pytest.raises(Invalid, match="两个步骤（您已完成“初审”）"):
        flow.approve(staff["li"], notice)


def test_wrong_role_cannot_approve_or_reject(flow, staff):
    notice = in_review(flow, staff)
    with pytest.raises(Invalid, match="只有审核人员或管理员"):
        flow.approve(staff["zhou"], notice)
    with pytest.raises(Invalid, match="只有审核人员或管理员"):
        flow.reject(staff["zhou"], notice, "不行")


def test_admin_override_needs_a_written_reason_and_is_audited(flow, staff):
    notice = in_review(flow, staff, body=BODY)
    with pytest.raises(Invalid, match="只有管理员"):
        flow.approve(staff["li"], notice, override_reason="领导同意")
    with pytest.raises(Invalid, match="隐私与保密检查未通过"):
        flow.approve(staff["zhao"], notice)
    with pytest.raises(Invalid, match="至少 4 个字"):
        flow.approve(staff["zhao"], notice, override_reason="同意")
    flow.approve(staff["zhao"], notice, override_reason="号码为公开的报警服务电话，经核实可公开")
    assert notice.review_step == 1
    event = events(flow, notice)[-1]
    assert "管理员强制通过，理由：号码为公开的报警服务电话，经核实可公开" in event.comment
    assert json.loads(event.details)["override"].startswith("号码为公开")


def test_two_reviewers_acting_at_once_cannot_both_take_the_same_step(app, flow, staff):
    notice = in_review(flow, staff)
    other_session = app.extensions["database"].sessionmaker()
    try:
        other = NoticeWorkflow.from_settings(other_session, app.extensions["wechat_bot"].settings, flow.clock)
        stale = other_session.get(Notice, notice.id)  # 陈审核 opened the page before 李审核 approved
        flow.approve(staff["li"], notice)
        with pytest.raises(Invalid, match="刚刚被其他人处理过"):
            other.approve(other_session.get(type(staff["chen"]), staff["chen"].id), stale)
    finally:
        other_session.close()
    flow.session.expire_all()
    assert notice.review_step == 1
    assert [e.action for e in events(flow, notice)].count("approve") == 1


def test_submitting_after_the_scheduled_time_has_passed_is_refused(flow, staff, clock):
    notice = new(flow, staff, scheduled_at=clock() + timedelta(hours=1))
    clock.advance(hours=2)
    with pytest.raises(Invalid, match="已过"):
        flow.submit(staff["wang"], notice)


def test_approving_outside_review_is_refused(flow, staff):
    notice = new(flow, staff)
    with pytest.raises(Invalid, match="不在审核中"):
        flow.approve(staff["li"], notice)


# --- reject, masks, withdraw ---------------------------------------------------------

def test_reject_needs_a_reason_and_sends_the_notice_back(flow, staff):
    notice = in_review(flow, staff)
    flow.approve(staff["li"], notice)
    with pytest.raises(Invalid, match="必须填写理由"):
        flow.reject(staff["chen"], notice, "  ")
    flow.reject(staff["chen"], notice, "标题不准确")
    assert (notice.state, notice.review_step) == ("rejected", 0)
    flow.update(staff["wang"], notice, title="略阳警方破获电诈案一起", category="police_news", body=CLEAN)
    flow.submit(staff["wang"], notice)
    flow.approve(staff["li"], notice)  # a new round: 李审核 may do the first step again
    assert notice.review_step == 1


def test_apply_masks_fixes_personal_data_and_is_audited(flow, staff):
    notice = in_review(flow, staff, body=BODY, private_names="张小红")
    notice.body += "\n\n张小红称其被骗。"
    assert flow.apply_masks(staff["li"], notice) == 3
    assert ID not in notice.body and "13912345678" not in notice.body and "张某某称" in notice.body
    assert "610***********" in notice.body and "139****5678" in notice.body
    assert ID not in notice.content_html
    mask = events(flow, notice)[-1]
    assert (mask.action, mask.from_state, mask.to_state) == ("mask", "in_review", "in_review")
    assert mask.comment.startswith("一键脱敏：")
    flow.approve(staff["li"], notice)  # nothing left to find
    assert notice.review_step == 1


def test_masks_do_not_clear_secrecy_markers(flow, staff):
    notice = in_review(flow, staff, body=CLEAN + "\n\n（内部资料）")
    with pytest.raises(Invalid, match="涉密标识须修改稿件删除"):
        flow.apply_masks(staff["li"], notice)
    with pytest.raises(Invalid, match="涉密标识"):
        flow.approve(staff["li"], notice)


def test_the_mask_placeholder_itself_blocks_approval(flow, staff):
    notice = in_review(flow, staff, body=CLEAN + "\n\n【请删除】")
    with pytest.raises(Invalid, match="待删除内容"):
        flow.approve(staff["li"], notice)


def test_editors_mask_their_drafts_but_not_notices_in_review(flow, staff):
    notice = new(flow, staff, body=BODY)
    assert flow.apply_masks(staff["wang"], notice) == 2
    with pytest.raises(Invalid, match="没有可以自动脱敏"):
        flow.apply_masks(staff["wang"], notice)
    other = in_review(flow, staff, body=BODY)
    with pytest.raises(Invalid, match="不能脱敏"):
        flow.apply_masks(staff["wang"], other)


def test_withdraw_and_reopen(flow, staff):
    notice = in_review(flow, staff)
    with pytest.raises(Invalid, match="撰写人或管理员"):
        flow.withdraw(staff["li"], notice)
    flow.withdraw(staff["wang"], notice, "情况有变")
    assert notice.state == "withdrawn"
    with pytest.raises(Invalid, match="不能提交审核"):
        flow.submit(staff["wang"], notice)
    flow.reopen(staff["wang"], notice)
    assert notice.state == "draft"


def test_approved_notices_cannot_be_edited_only_withdrawn(flow, staff):
    notice = in_review(flow, staff)
    flow.approve(staff["li"], notice)
    flow.approve(staff["chen"], notice)
    with pytest.raises(Invalid, match="不能修改"):
        flow.update(staff["wang"], notice, title="改", category="police_news", body=CLEAN)
    flow.withdraw(staff["wang"], notice)
    assert notice.state == "withdrawn"


def test_publishing_states_and_due_notices(flow, staff, clock):
    later = in_review(flow, staff, scheduled_at=clock() + timedelta(hours=3))
    soon = in_review(flow, staff, scheduled_at=clock() + timedelta(hours=1))
    for notice in (later, soon):
        flow.approve(staff["li"], notice)
        flow.approve(staff["chen"], notice)
    assert due_notices(flow.session, clock()) == []
    clock.advance(hours=2)
    assert due_notices(flow.session, clock()) == [soon]
    with pytest.raises(Invalid, match="不能标记为已发布"):
        flow.mark_published(soon)
    flow.start_publishing(soon)
    flow.mark_published(soon, "图文消息已群发")
    assert (soon.state, soon.published_at) == ("published", clock())
    with pytest.raises(Invalid, match="不能撤回"):
        flow.withdraw(staff["wang"], soon)
    with pytest.raises(Invalid, match="不能发布"):
        flow.start_publishing(soon)
    flow.start_publishing(later)
    flow.mark_failed(later, "微信接口返回 45009")
    assert (later.state, later.failure_reason) == ("failed", "微信接口返回 45009")
    flow.reopen(staff["wang"], later)
    assert later.state == "draft"
    figures = dashboard(flow.session, clock(), flow.tz)
    assert figures.days_quiet == 0 and figures.level == "ok"


def test_dashboard_warns_after_ten_quiet_days(flow, staff, clock):
    notice = in_review(flow, staff)
    flow.approve(staff["li"], notice)
    flow.approve(staff["chen"], notice)
    flow.start_publishing(notice)
    flow.mark_published(notice)
    clock.advance(days=10)
    assert dashboard(flow.session, clock(), flow.tz).level == "warn"
    clock.advance(days=4)
    figures = dashboard(flow.session, clock(), flow.tz)
    assert figures.level == "fail" and "14 天" in figures.message


def test_three_step_review_from_config(app, tmp_path, database_url, redis_server):
    from .conftest import make_settings

    settings = make_settings(tmp_path, database_url, review={"steps": 3})
    assert settings.review.names == ("初审", "审核（保密）", "审发")
    with app.app_context():
        flow = NoticeWorkflow.from_settings(get_session(), settings, app.extensions["wechat_bot"].clock)
        staff = {n: create_user(flow.session, n, r, PASSWORD, flow.clock(), display_name=lbl) for n, (lbl, r) in STAFF.items()}
        notice = in_review(flow, staff)
        flow.approve(staff["li"], notice)
        flow.approve(staff["sun"], notice)
        assert notice.state == "in_review" and flow.current_step_name(notice) == "审发"
        flow.approve(staff["zhao"], notice)
        assert notice.state == "approved"


# --- the audit trail ----------------------------------------------------------------

def test_the_audit_trail_reads_as_a_complete_story(flow, staff, clock):
    notice = new(flow, staff, body=BODY, scheduled_at=content.parse_local_time("2026-11-26T09:00", flow.tz))
    clock.advance(minutes=2)
    flow.submit(staff["wang"], notice)
    clock.advance(minutes=20)
    flow.apply_masks(staff["li"], notice)
    flow.approve(staff["li"], notice)
    clock.advance(minutes=30)
    flow.reject(staff["chen"], notice, "请补充案发时间")
    clock.advance(minutes=5)
    flow.update(staff["wang"], notice, title=notice.title, category="police_news", body=notice.body + "\n\n案发时间为11月20日。",
                scheduled_at=notice.scheduled_at)
    flow.submit(staff["wang"], notice)
    clock.advance(minutes=5)
    flow.approve(staff["li"], notice)
    flow.approve(staff["chen"], notice, comment="同意")
    story = [str(line) for line in trail(flow.session, notice, flow.tz, flow.step_names)]
    assert story == [
        "2026-11-25 10:00 王编辑 创建草稿",
        "2026-11-25 10:02 王编辑 提交审核（隐私与保密检查发现：身份证号 1 处（正文）、手机号 1 处（正文））",
        "2026-11-25 10:22 李审核 一键脱敏：身份证号 1 处（正文）、手机号 1 处（正文）",
        "2026-11-25 10:22 李审核 通过“初审”（第 1/2 步）",
        "2026-11-25 10:52 陈审核 在“审发”退回修改，理由：请补充案发时间",
        "2026-11-25 10:57 王编辑 修改稿件",
        "2026-11-25 10:57 王编辑 提交审核（隐私与保密检查通过）",
        "2026-11-25 11:02 李审核 通过“初审”（第 1/2 步）",
        "2026-11-25 11:02 陈审核 通过“审发”（第 2/2 步）；意见：同意；定于 2026-11-26 09:00 发布",
    ]


def test_audit_rows_cannot_be_changed_or_deleted(flow, staff):
    notice = new(flow, staff)
    [event] = events(flow, notice)
    event.comment = "篡改"
    with pytest.raises(AuditTrailIsImmutable):
        flow.session.commit()
    flow.session.rollback()
    flow.session.delete(events(flow, notice)[0])
    with pytest.raises(AuditTrailIsImmutable):
        flow.session.commit()
    flow.session.rollback()
    assert events(flow, notice)[0].comment == ""


def test_list_filters_by_state_category_and_text(flow, staff):
    a = new(flow, staff, title="冬季防火提示", category="announcement")
    b = in_review(flow, staff, title="电诈案告破")
    assert list_notices(flow.session, state="in_review") == [b]
    assert list_notices(flow.session, state="審核中") == [b]
    assert list_notices(flow.session, category="警方公告") == [a]
    assert list_notices(flow.session, text="防火") == [a]
    with pytest.raises(Invalid, match="未知的状态"):
        list_notices(flow.session, state="lost")
