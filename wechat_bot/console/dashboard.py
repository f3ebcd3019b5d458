"""The console's front page: what is where, what is due, what failed, how long since the last post."""
from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, url_for

from ..models.notice import STATE_LABELS
from ..services.notice_queries import dashboard as dashboard_figures
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
    return render_template(
        "console/dashboard/index.html",
        figures=figures,
        state_labels=STATE_LABELS,
        mine=mine,
        flow=flow,
    )
