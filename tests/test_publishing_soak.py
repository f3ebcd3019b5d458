"""The publishing soak (bench/publish_soak.py) with its figures asserted: 200 notices over
six simulated weeks with faults on at every step, the simulator's record as the proof."""
from __future__ import annotations

import pytest

from bench.publish_soak import soak


@pytest.fixture
def settings_overrides():
    return {"wechat": {"account_type": "subscription"}}


def test_soak_every_notice_once_on_time_within_quota(app, clock):
    figures = soak(app, clock, notices=200, days=42, rate=0.3, seed=7)
    print("\n".join(figures.lines()))
    assert figures.published == 200 and figures.failed == 0
    assert figures.articles_pushed == figures.distinct_titles_pushed == 200  # each pushed exactly once
    assert figures.post_rows == 200
    assert figures.post_rows_with_job_counts == 200
    assert figures.max_sends_per_period == 1 and figures.quota_refusals == 0  # 订阅号: one a day, never refused
    assert figures.late == [] and figures.unjustified_waits == []
    assert figures.worst_delay_without_backoff_s <= 30 + 15
    assert figures.faults_injected >= 50 and figures.retries >= 50
    assert figures.worst_delay_s <= 3600  # backoff is capped; nothing waits long
