"""Publishing soak: approved notices over simulated weeks, faults on at every step.

    .venv/bin/python bench/publish_soak.py [--notices 200] [--days 42] [--rate 0.3] [--seed 7]
                                           [--account subscription|service]

The real sweep (schedules.jobs.publish_sweep) runs against the built-in WeChat
simulator with an injected clock that jumps from one sweep tick to the next tick
where something can happen (a notice falls due, a retry is due, a quota period
opens), so weeks pass in seconds. Faults at ``rate`` on every API path, five kinds
in equal parts: -1 before the call, -1 after it (the call happened, the answer was
lost), 45009, 42001 (token expired), and real timeouts (a 0.25 s stall against a
0.15 s client timeout, after which the simulator still carries the call out).
WeChat finishes each mass-send job after every sweep and pushes MASSSENDJOBFINISH
to our /wechat.

The figures are checked against the simulator's own record: every notice's title
pushed exactly once, one post row each, at most the quota of sends per local day
(month), and each notice sent within one sweep interval of its time or of the
opening of the quota period it went out in (with every period in between used).
tests/test_publishing_soak.py runs the same code and asserts those figures.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from schedules.jobs import publish_sweep  # noqa: E402
from wechat_bot.db import get_session  # noqa: E402
from wechat_bot.models.notice import Notice  # noqa: E402
from wechat_bot.models.post import Post  # noqa: E402
from wechat_bot.models.publish import OPEN_STATES, PublishBundle  # noqa: E402
from wechat_bot.models.user import User  # noqa: E402
from wechat_bot.services import notice_content  # noqa: E402
from wechat_bot.services import publishing_quota as quota  # noqa: E402
from wechat_bot.services.publishing import TRIES_PER_SWEEP  # noqa: E402
from wechat_bot.wechat_api import WeChatGateway  # noqa: E402

TIMEOUT_STALL, CLIENT_TIMEOUT = 0.25, 0.15  # seconds: a real (short) timeout
IN_SWEEP_PAUSES = 15.0  # seconds: the most the in-sweep retry pauses can add to one bundle


@dataclass
class Figures:
    notices: int = 0
    account_type: str = ""
    simulated_days: float = 0.0
    sweeps: int = 0
    pushes: int = 0  # mass sends WeChat accepted (= MASSSENDJOBFINISH events)
    articles_pushed: int = 0
    distinct_titles_pushed: int = 0
    post_rows: int = 0
    post_rows_with_job_counts: int = 0  # filled by MASSSENDJOBFINISH
    published: int = 0
    failed: int = 0
    retries: int = 0
    faults_injected: int = 0
    faults_by_kind: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0
    max_sends_per_period: int = 0
    quota_refusals: int = 0  # 45028 answers from the simulator
    worst_delay_s: float = 0.0
    worst_delay_without_backoff_s: float = 0.0
    notices_delayed_by_backoff: int = 0
    late: list[str] = field(default_factory=list)  # violations of the timing rule
    unjustified_waits: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    def lines(self) -> list[str]:
        data = asdict(self)
        return [f"{key:34s} {value}" for key, value in data.items()]


def _author(session: Any, now: datetime) -> int:
    from wechat_bot.services.users import create_user

    user = session.scalar(select(User).where(User.name == "soak_editor"))
    if user is None:
        user = create_user(session, "soak_editor", "editor", "correct-horse-1", now, display_name="压测编辑")
    return user.id


def schedule(app: Any, count: int, days: int, rng: random.Random) -> dict[int, datetime]:
    """``count`` approved notices due at random office-hour times over ``days`` days."""
    services = app.extensions["wechat_bot"]
    start = services.clock()
    tz = services.settings.tz
    due: dict[int, datetime] = {}
    with app.app_context():
        session = get_session()
        author = _author(session, start)
        html = notice_content.render_html("请广大群众知悉。")
        for i in range(count):
            local_day = (start.astimezone(tz) + timedelta(days=rng.randrange(days))).date()
            at = datetime(local_day.year, local_day.month, local_day.day, rng.randrange(7, 22), rng.randrange(60),
                          tzinfo=tz).astimezone(UTC)
            at = max(at, start)
            notice = Notice(title=f"第{i + 1:03d}号警务通报", category=rng.choice(["police_news", "incident", "announcement"]),
                            body="请广大群众知悉。", content_html=html, digest="请广大群众知悉。", author="略阳公安",
                            original=rng.random() < 0.5, state="approved", review_step=2, scheduled_at=at,
                            approved_at=start, created_by_id=author, created_at=start, updated_at=start)
            session.add(notice)
            session.flush()
            due[notice.id] = at
        session.commit()
    return due


def next_wakeup(app: Any, now: datetime) -> datetime | None:
    """The next moment a sweep can do something; None when nothing is left."""
    services = app.extensions["wechat_bot"]
    settings = services.settings
    with app.app_context():
        session = get_session()
        moments = []
        later = session.scalar(select(func.min(Notice.scheduled_at)).where(Notice.state == "approved",
                                                                           Notice.scheduled_at > now))
        if later is not None:
            moments.append(later)
        waiting = session.scalar(select(func.count()).where(Notice.state == "approved", Notice.scheduled_at <= now))
        if waiting:
            moments.append(quota.next_slot_at(session, settings.wechat.account_type, now, settings.tz))
        for at in session.scalars(select(PublishBundle.next_attempt_at).where(PublishBundle.state.in_(OPEN_STATES))):
            moments.append(at or now)
    return min(moments) if moments else None


def soak(app: Any, clock: Any, *, notices: int = 200, days: int = 42, rate: float = 0.3, seed: int = 7,
         timeouts: bool = True) -> Figures:
    started = time.perf_counter()
    services = app.extensions["wechat_bot"]
    settings = services.settings
    tz, grid = settings.tz, settings.publish.sweep_seconds
    account = settings.wechat.account_type
    sim_base = services.gateway._base
    sim = services.simulator
    gateway = WeChatGateway(settings.wechat.app_id, settings.wechat.app_secret, redis=services.store.redis,
                            key_prefix=services.store.prefix, api_base_url=sim_base, timeout=CLIENT_TIMEOUT,
                            account_type=account)
    rng = random.Random(seed)
    due = schedule(app, notices, days, rng)

    # Faults: five kinds sharing `rate` (the chance that a call meets one of them).
    kinds = 5 if timeouts else 4
    per_kind = 1 - (1 - rate) ** (1 / kinds)
    sim.inject("*", -1, rate=per_kind, seed=seed)
    sim.inject("*", -1, rate=per_kind, seed=seed + 1, after=True)
    sim.inject("*", 45009, rate=per_kind, seed=seed + 2)
    sim.inject("*", 42001, rate=per_kind, seed=seed + 3)
    if timeouts:  # WeChat stalls past our client timeout, then carries the call out anyway
        sim.inject("*", None, rate=per_kind, seed=seed + 4, delay=TIMEOUT_STALL)
    injected: Counter[str] = Counter()
    take = sim.faults.take

    def counting_take(path: str) -> Any:
        fault = take(path)
        if fault is not None:
            kind = "timeout" if fault.delay else f"{fault.errcode}{' (after the call)' if fault.after else ''}"
            injected[kind] += 1
        return fault

    sim.faults.take = counting_take  # type: ignore[method-assign]

    figures = Figures(notices=notices, account_type=account)
    start = clock.now
    sleep = lambda seconds: clock.advance(seconds=seconds)  # noqa: E731 - the in-sweep pauses pass simulated time
    while True:
        report = publish_sweep(app, sleep=sleep, gateway=gateway, rng=random.Random(rng.random()))
        sim.complete_jobs()  # WeChat finishes the jobs and pushes MASSSENDJOBFINISH to /wechat
        figures.sweeps += 1
        figures.retries += report.retries
        wake = next_wakeup(app, clock.now)
        if wake is None:
            break
        ticks = math.floor((max(wake, clock.now) - start).total_seconds() / grid) + 1
        clock.now = start + timedelta(seconds=ticks * grid)
        if figures.sweeps > 100_000:
            raise RuntimeError("soak did not converge")
    sim.faults.take = take  # type: ignore[method-assign]
    sim.clear_faults()
    figures.simulated_days = round((clock.now - start).total_seconds() / 86400, 1)
    figures.faults_injected = sum(injected.values())
    figures.faults_by_kind = dict(injected)
    _check(app, sim, figures, due, grid, account, tz)
    figures.wall_seconds = round(time.perf_counter() - started, 1)
    return figures


def _period(at: datetime, account: str, tz: Any) -> str:
    local = at.astimezone(tz)
    return local.strftime("%Y-%m") if account == "service" else local.strftime("%Y-%m-%d")


def _period_start(at: datetime, account: str, tz: Any) -> datetime:
    local = at.astimezone(tz)
    first = local.replace(day=1) if account == "service" else local
    return first.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _check(app: Any, sim: Any, figures: Figures, due: dict[int, datetime], grid: int, account: str, tz: Any) -> None:
    sends = [a for a in sim.published_articles() if a["kind"] == "mass" and a["state"] == "succeeded"]
    figures.pushes = len(sends)
    titles = [art["title"] for s in sends for art in s["articles"]]
    figures.articles_pushed = len(titles)
    figures.distinct_titles_pushed = len(set(titles))
    per_period = Counter(_period(s["submitted_at"], account, tz) for s in sends)
    figures.max_sends_per_period = max(per_period.values(), default=0)
    figures.quota_refusals = sum(1 for c in sim.calls("message/mass/sendall") if c.errcode == 45028)
    figures.api_calls = len(sim.calls())
    limit = 4 if account == "service" else 1
    with app.app_context():
        session = get_session()
        posts = list(session.scalars(select(Post).where(Post.channel == "wechat")))
        figures.post_rows = len(posts)
        figures.post_rows_with_job_counts = sum(1 for p in posts if p.sent_count is not None and p.url)
        states = Counter(session.scalars(select(Notice.state)))
        figures.published, figures.failed = states["published"], states["failed"]
        attempts = dict(session.execute(select(PublishBundle.id, PublishBundle.attempts)).all())
        bundle_of = dict(session.execute(select(Notice.id, Notice.bundle_id)).all())
    for post in posts:
        scheduled = due[post.notice_id]
        sent = post.published_at
        if _period(sent, account, tz) == _period(scheduled, account, tz):
            ready = scheduled
        else:
            ready = _period_start(sent, account, tz)
            cursor = scheduled.astimezone(tz)
            while _period(cursor, account, tz) != _period(sent, account, tz):  # each period skipped was full
                if per_period[_period(cursor, account, tz)] < limit:
                    figures.unjustified_waits.append(f"notice {post.notice_id}: {_period(cursor, account, tz)}")
                cursor += timedelta(days=1)
        delay = (sent - ready).total_seconds()
        figures.worst_delay_s = max(figures.worst_delay_s, delay)
        backed_off = attempts.get(bundle_of.get(post.notice_id), 0) >= TRIES_PER_SWEEP
        if backed_off:
            figures.notices_delayed_by_backoff += 1
            continue
        figures.worst_delay_without_backoff_s = max(figures.worst_delay_without_backoff_s, delay)
        if delay < 0 or delay > grid + IN_SWEEP_PAUSES:
            figures.late.append(f"notice {post.notice_id}: {delay:.0f} s")


def main() -> int:
    import shutil
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=200)
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--account", choices=["subscription", "service"], default="subscription")
    args = parser.parse_args()
    if not 1 <= args.notices <= 2000:
        parser.error("--notices must be within 1..2000 (bounded)")

    from tests.conftest import Clock, make_settings
    from wechat_bot import create_app
    from wechat_bot.db import make_engine
    from wechat_bot.migrate import upgrade
    from wechat_bot.store import EmbeddedRedis

    workdir = Path(tempfile.mkdtemp(prefix="publish-soak-"))
    server = EmbeddedRedis(workdir / "redis")
    try:
        db = workdir / "bot.sqlite3"
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine)
        engine.dispose()
        settings = make_settings(workdir, db, wechat={"account_type": args.account})
        clock = Clock(datetime(2026, 11, 25, 0, 0, tzinfo=UTC))
        app = create_app(settings=settings, clock=clock, redis_client=server.client(), redis_prefix="soak:")
        figures = soak(app, clock, notices=args.notices, days=args.days, rate=args.rate, seed=args.seed)
        print("\n".join(figures.lines()))
        app.extensions["wechat_bot"].database.dispose()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    ok = (figures.distinct_titles_pushed == figures.articles_pushed == figures.post_rows == args.notices
          and not figures.late and not figures.unjustified_waits)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
