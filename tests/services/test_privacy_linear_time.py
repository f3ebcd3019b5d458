"""The privacy scan runs in linear time: no body a logged-in user can type ties up a worker.

A security review found a regex that rescanned the rest of a run of whitespace from
every position inside it: a body of 30,000 tabs took 13 s in ``scan()``, past WeChat's
5 s and long enough to tie up a console worker. Linear, 120,000 characters of any of
these patterns take a few tenths of a second; quadratic, they would take minutes. The
bounds are wide for a shared, loaded machine and still far below any quadratic case.
"""
import time

import pytest

from wechat_bot.services import privacy
from wechat_bot.services.notice_content import BODY_MAX
from wechat_bot.services.notice_screening import Screener

UNITS = [
    "\t", " ", "\n", "\u3000", "\xa0", "1 ", "1\t", "王 ", " 岁", "男,", "(男", ",男 ", "1-", "号 ", "路1",
    "a@", "@a", "**", "1*", "王某某，", "15岁", "电话:", "卡号 ", "\u200b1", "省市县", "-", ".", "（", "的",
]


def _seconds(fn, text: str) -> float:
    started = time.perf_counter()
    fn(text)
    return time.perf_counter() - started


@pytest.mark.parametrize("unit", UNITS, ids=[repr(u) for u in UNITS])
def test_scan_is_linear_in_hostile_runs(unit):
    body = unit * (120_000 // len(unit))
    assert _seconds(privacy.scan, body) < 3.0


@pytest.mark.parametrize("unit", ["\t", " ", "\n", "\u3000", "1 ", "王 ", "(男", "**"], ids=repr)
def test_screening_the_longest_allowed_body_stays_well_under_wechats_deadline(unit):
    """What POST /console/preview and the review page do: the source, then the rendered article."""
    screener = Screener()
    body = unit * (BODY_MAX // len(unit))
    assert _seconds(lambda text: screener.screen("标题", "", text), body) < 2.0
