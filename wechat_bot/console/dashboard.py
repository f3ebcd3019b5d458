"""The console's front page: what is where, what is due, what failed, how long since the last post."""
from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, url_for

from ..models.notice import STATE_LABELS
from ..services.notice_queries import dashboard as dashboard_figures
from ..services.publishing_status import overview as publishing_overview
from . import bp, support


@bp.get("")
def root() -> Any:
    return redirect(url_for("console.dashboard"))


@bp.get("/")
@support.login_required
def dashboard() -> Any:
    flow = support.workflow()
    figures = dashboard_figures(flow.session, support.now(), flow.tz)
    mine = [n for n in figures.waiting_review if flow.approval_refusal(g.user, n) is None]
    # Publishing (its own block): overdue notices, quota, heartbeat, quiet days from the post log.
    services = support.services()
    pub = publishing_overview(flow.session, services.store, services.settings, support.now())
    figures.upcoming = [n for n in figures.upcoming if n.state == "approved" and n.scheduled_at > support.now()]
    return render_template(
        "console/dashboard/index.html",
        figures=figures,
        state_labels=STATE_LABELS,
        mine=mine,
        flow=flow,
        pub=pub,
    )
