"""`notices add|submit|approve|reject|list`: the review workflow from the command line.

Times are the bureau's local time (Asia/Shanghai) unless they carry an offset.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from ..cli import AppHolder, pass_holder
from .text_files import read_text_file


def register(main: click.Group) -> None:
    main.add_command(notices)


@contextmanager
def _workflow(holder: AppHolder) -> Iterator:
    from ..db import get_session
    from ..services.notices import NoticeWorkflow

    services = holder.services
    with holder.app.app_context():
        yield NoticeWorkflow.from_settings(get_session(), services.settings, services.clock)


def _user(flow, name: str):
    from ..services.users import require_user

    return require_user(flow.session, name)


def _findings_lines(findings) -> None:
    for item in findings:
        f = item.finding
        click.echo(f"  ! {item.where}：{f.label} {f.mask}（{f.message}）")


@click.group()
def notices() -> None:
    """稿件：撰写、送审、审核、退回、查看。"""


@notices.command("add")
@click.option("--title", required=True, help="标题（不超过 32 个字）")
@click.option("--category", required=True, help="栏目代码或中文名称（如 police_news 或 警方动态）")
@click.option("--body-file", required=True, help="正文 Markdown 文件（UTF-8；- 表示标准输入）")
@click.option("--at", "at", default="", help="定时发布时间 ISO 8601；不带时区即北京时间")
@click.option("--digest", default="", help="摘要（不超过 128 个字；默认取正文开头）")
@click.option("--by", "by", required=True, help="撰写人账号")
@pass_holder
def add_notice(holder: AppHolder, title: str, category: str, body_file: str, at: str, digest: str, by: str) -> None:
    """新建稿件（草稿），只输出新稿件的编号。"""
    from ..services.notice_content import parse_local_time

    body = read_text_file(body_file, "正文")
    with _workflow(holder) as flow:
        notice = flow.create(
            _user(flow, by), title=title, category=category, body=body, digest=digest,
            scheduled_at=parse_local_time(at, flow.tz),
        )
        click.echo(str(notice.id))


@notices.command("submit")
@click.argument("notice_id", type=int)
@click.option("--by", "by", required=True, help="提交人账号")
@pass_holder
def submit_notice(holder: AppHolder, notice_id: int, by: str) -> None:
    """提交审核（隐私与保密检查的发现会列出，但不阻止提交）。"""
    from ..services.notices import get_notice

    with _workflow(holder) as flow:
        findings = flow.submit(_user(flow, by), get_notice(flow.session, notice_id))
        click.echo(f"稿件 #{notice_id} 已提交审核，等待“{flow.step_names[0]}”。")
        if findings:
            click.echo(f"隐私与保密检查发现 {len(findings)} 处问题，审核通过前须处理：")
            _findings_lines(findings)


@notices.command("approve")
@click.argument("notice_id", type=int)
@click.option("--by", "by", required=True, help="审核人账号")
@click.option("--comment", default="", help="审核意见")
@click.option("--override", "override", default="", help="（仅管理员）检查未通过时强制通过的理由，记入审核记录")
@pass_holder
def approve_notice(holder: AppHolder, notice_id: int, by: str, comment: str, override: str) -> None:
    """审核通过当前步骤；不能审核自己的稿件，隐私与保密检查未通过时拒绝。"""
    from ..services.notice_content import local_text
    from ..services.notices import get_notice

    with _workflow(holder) as flow:
        notice = flow.approve(_user(flow, by), get_notice(flow.session, notice_id), comment=comment, override_reason=override)
        name = flow.step_names[notice.review_step - 1]
        if notice.state == "approved":
            when = local_text(notice.scheduled_at, flow.tz)
            click.echo(f"稿件 #{notice_id} 已通过“{name}”，全部审核完成，定于 {when} 发布（到时由定时任务自动发出；群发次数用完时顺延到下一个可群发时段）。")
        else:
            click.echo(f"稿件 #{notice_id} 已通过“{name}”，等待“{flow.current_step_name(notice)}”。")


@notices.command("reject")
@click.argument("notice_id", type=int)
@click.option("--by", "by", required=True, help="审核人账号")
@click.option("--reason", required=True, help="退回理由")
@pass_holder
def reject_notice(holder: AppHolder, notice_id: int, by: str, reason: str) -> None:
    """退回修改（必须写明理由）。"""
    from ..services.notices import get_notice

    with _workflow(holder) as flow:
        flow.reject(_user(flow, by), get_notice(flow.session, notice_id), reason)
        click.echo(f"稿件 #{notice_id} 已退回修改。")


@notices.command("list")
@click.option("--status", default="", help="只列出此状态（draft、in_review、approved、published… 或中文）")
@pass_holder
def list_notices_command(holder: AppHolder, status: str) -> None:
    """列出稿件：编号、状态、栏目、定时发布时间（北京时间）、标题。"""
    from ..services.notice_content import category_label, local_text
    from ..services.notice_queries import list_notices

    with _workflow(holder) as flow:
        rows = list_notices(flow.session, state=status, limit=10_000)
        for notice in rows:
            when = local_text(notice.scheduled_at, flow.tz) or "-"
            click.echo("\t".join([str(notice.id), notice.state, category_label(notice.category), when, notice.title]))
