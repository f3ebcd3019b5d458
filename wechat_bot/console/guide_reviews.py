"""/console/guides: when each service guide was last checked, and which are due for review.

A guide whose ``updated_on`` is 12 months or more in the past (local date) is due.
The dashboard shows the same list through the ``guides_due`` template global.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template

from ..services.guide_sources import REVIEW_MONTHS, due_for_review
from . import bp, support


def _today() -> dt.date:
    return support.now().astimezone(support.services().settings.tz).date()


@bp.app_template_global("guides_due")
def guides_due() -> list[Any]:
    """Guides not reviewed for 12 months, oldest first (for the dashboard include)."""
    return due_for_review(support.services().catalogue.all(), _today())


@bp.get("/guides")
@support.login_required
def guide_reviews() -> Any:
    guides = sorted(support.services().catalogue.all(), key=lambda g: (g.updated_on, g.id))
    due = {g.id for g in guides_due()}
    return render_template(
        "console/guides/reviews.html", guides=guides, due=due, months=REVIEW_MONTHS, today=_today()
    )
