"""``Simulator``: one simulated Official Account, its API dispatch and test controls.

The HTTP layer (``routes.py``) only parses requests and calls ``handle``; tests
and the sandbox use the Python controls (faults, calls, user actions, jobs).
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import drafts, media, messaging, publishing, tokens  # noqa: F401 - register routes
from .api import ROUTES, ApiRequest, Upload
from .codes import ApiError, error_body
from .events import SYSTEM_OPENID
from .faults import Faults, normalize_path
from .quotas import DEFAULT_DAILY_LIMITS, consume_daily, grant_window
from .store import MAX_CALLS_KEPT, Store, dumps

log = logging.getLogger(__name__)

INVALID_JSON = object()
REDACTED_PARAMS = ("secret",)


@dataclass(frozen=True)
class Call:
    """One API call as the simulator saw it (``body``: parsed JSON or an upload summary)."""
    path: str
    params: dict[str, str]
    body: Any
    errcode: int
    at: datetime


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class Simulator:
    def __init__(self, store: Store, *, app_id: str, app_secret: str,
                 account_type: str = "subscription",
                 push: Callable[[str], Any] | None = None,
                 clock: Callable[[], datetime] | None = None,
                 daily_limits: dict[str, int] | None = None, verified: bool = True,
                 follower_count: int = 1000, original_id: str | None = None,
                 system_openid: str = SYSTEM_OPENID,
                 auto_complete_seconds: float | None = None) -> None:
        if account_type not in ("subscription", "service"):
            raise ValueError("account_type must be 'subscription' or 'service'")
        self.store = store
        self.app_id = app_id
        self.app_secret = app_secret
        self.account_type = account_type
        self.push = push
        self.clock = clock or (lambda: datetime.now(UTC))
        self.daily_limits = {**DEFAULT_DAILY_LIMITS, **(daily_limits or {})}
        self.verified = verified
        self.follower_count = follower_count
        digest = hashlib.sha1(app_id.encode()).hexdigest()
        self.original_id = original_id or f"gh_{digest[:12]}"
        self.biz = base64.b64encode(str(3_000_000_000 + int(digest[:8], 16)).encode()).decode()
        self.system_openid = system_openid
        self.auto_complete_seconds = auto_complete_seconds
        self.faults = Faults(store)
        self._outcomes: dict[str, list[Any]] = {"publish": [], "mass": []}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    # -- time -------------------------------------------------------------
    def now(self) -> float:
        moment = self.clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()

    @property
    def job_delay(self) -> float:
        return self.auto_complete_seconds or 0.0

    # -- the API ------------------------------------------------------------
    def handle(self, path: str, method: str, params: dict[str, str], raw_body: bytes,
               files: dict[str, Upload] | None = None) -> tuple[int, dict[str, Any]]:
        """Answer one API call: ``(http_status, json_body)``."""
        path = normalize_path(path)
        route = ROUTES.get(path)
        req = ApiRequest(path, method.upper(), dict(params), files=files or {},
                         now=self.now())
        if route and route.body == "json" and req.method == "POST":
            try:
                req.json = json.loads(raw_body.decode("utf-8")) if raw_body else None
            except (UnicodeDecodeError, ValueError):
                req.json = INVALID_JSON
        status, body = 200, {}
        fault = self.faults.take(path) if route else None
        if route is None:
            status, body = 404, {"errcode": 404, "errmsg": f"404 Not Found: /{path}"}
        else:
            if fault and fault.delay:
                time.sleep(fault.delay)
            if fault and fault.errcode is not None and not fault.after:
                body = error_body(fault.errcode)
            else:
                body = self._run(route, req)
                if fault and fault.errcode is not None:
                    body = error_body(fault.errcode)
        self._record(req, raw_body, int(body.get("errcode", 0) or 0))
        return status, body

    def _run(self, route: Any, req: ApiRequest) -> dict[str, Any]:
        if route.method != req.method:
            return error_body(43002 if route.method == "POST" else 43001)
        with self.store.tx() as conn:
            try:
                if route.needs_token:
                    tokens.check_access_token(conn, req.params.get("access_token"), req.now)
                consume_daily(conn, route.path, req.now, self.daily_limits)
                return route.handler(self, conn, req)
            except ApiError as exc:
                return exc.body()

    def _record(self, req: ApiRequest, raw_body: bytes, errcode: int) -> None:
        params = {k: ("***" if k in REDACTED_PARAMS else v) for k, v in req.params.items()}
        body: Any
        if req.files:
            body = {name: {"filename": f.filename, "size": len(f.data),
                           "content_type": f.content_type} for name, f in req.files.items()}
        elif req.json is not None and req.json is not INVALID_JSON:
            body = req.json
            if isinstance(body, dict) and "secret" in body:
                body = {**body, "secret": "***"}
        else:
            body = raw_body.decode("utf-8", "replace") if raw_body else None
        with self.store.tx() as conn:
            cur = conn.execute(
                "INSERT INTO calls (path, params, body, errcode, at) VALUES (?, ?, ?, ?, ?)",
                (req.path, dumps(params), dumps(body), errcode, req.now))
            if (cur.lastrowid or 0) % 1000 == 0:
                conn.execute("DELETE FROM calls WHERE id <= ?",
                             ((cur.lastrowid or 0) - MAX_CALLS_KEPT,))

    # -- test and sandbox controls ------------------------------------------
    def inject(self, path: str, errcode: int | None = -1, *, times: int | None = None,
               rate: float | None = None, seed: int | None = None, delay: float = 0.0,
               after: bool = False) -> int:
        """Make ``path`` (or ``"*"``) answer ``errcode``; see ``Faults.inject``."""
        return self.faults.inject(path, errcode, times=times, rate=rate, seed=seed,
                                  delay=delay, after=after)

    def clear_faults(self) -> None:
        self.faults.clear()

    def calls(self, path: str | None = None) -> list[Call]:
        if path is None:
            rows = self.store.read("SELECT * FROM calls ORDER BY id")
        else:
            rows = self.store.read("SELECT * FROM calls WHERE path = ? ORDER BY id",
                                   (normalize_path(path),))
        return [Call(r["path"], json.loads(r["params"]), json.loads(r["body"]),
                     r["errcode"], _utc(r["at"])) for r in rows]

    def _grant(self, openid: str, kind: str, at: datetime | None) -> None:
        ts = at.timestamp() if at else self.now()
        with self.store.tx() as conn:
            grant_window(conn, openid, kind, ts)

    def record_user_message(self, openid: str, at: datetime | None = None) -> None:
        """The user wrote to the account: 5 客服 messages within 48 h."""
        self._grant(openid, "message", at)

    def record_menu_click(self, openid: str, at: datetime | None = None) -> None:
        """The user clicked a click/scancode menu item: 3 messages within 1 min."""
        self._grant(openid, "event", at)

    def record_subscribe(self, openid: str, at: datetime | None = None) -> None:
        """The user followed the account: 3 messages within 1 min."""
        self._grant(openid, "event", at)

    def fail_next_job(self, kind: str, status: int | str | None = None) -> None:
        """Make the next publish (status 3) or mass send ("send fail") job fail."""
        default = publishing.PUBLISH_FAILED if kind == "publish" else "send fail"
        with self._lock:
            self._outcomes[kind].append(default if status is None else status)

    def take_job_outcome(self, kind: str) -> Any:
        with self._lock:
            if self._outcomes[kind]:
                return self._outcomes[kind].pop(0)
        return publishing.PUBLISHED if kind == "publish" else "send success"

    def complete_jobs(self, *, due_only: bool = False) -> int:
        """Finish pending publish / mass-send jobs now and push their events."""
        now = self.now()
        with self.store.tx() as conn:
            xmls = publishing.complete_jobs(self, conn, now, due_only=due_only)
            ids = [conn.execute("INSERT INTO pushes (xml, created_at) VALUES (?, ?)",
                                (xml, now)).lastrowid for xml in xmls]
        for push_id, xml in zip(ids, xmls, strict=True):
            self._deliver(int(push_id or 0), xml)
        return len(xmls)

    def _deliver(self, push_id: int, xml: str) -> None:
        if self.push is None:
            return
        try:
            self.push(xml)
        except Exception:  # the developer URL being down must not break the simulator
            log.warning("simulator push %s failed; kept as pending", push_id, exc_info=True)
            return
        with self.store.tx() as conn:
            conn.execute("UPDATE pushes SET delivered_at = ? WHERE id = ?",
                         (self.now(), push_id))

    def pending_pushes(self) -> list[str]:
        """Event XML not (successfully) pushed yet, oldest first."""
        rows = self.store.read("SELECT xml FROM pushes WHERE delivered_at IS NULL ORDER BY id")
        return [r["xml"] for r in rows]

    def sent_messages(self, openid: str | None = None) -> list[dict[str, Any]]:
        """客服 messages delivered to users, oldest first."""
        sql, args = "SELECT * FROM outbox ORDER BY id", ()
        if openid is not None:
            sql, args = "SELECT * FROM outbox WHERE openid = ? ORDER BY id", (openid,)
        return [{"openid": r["openid"], "msgtype": r["msgtype"], "content": r["content"],
                 "at": _utc(r["at"])} for r in self.store.read(sql, args)]

    def published_articles(self) -> list[dict[str, Any]]:
        """Every accepted publish / mass send with its articles, oldest first.

        ``state``: "pending" until the job completes, then "succeeded" or "failed";
        ``url`` of each article is set once it succeeded.
        """
        out = []
        for r in self.store.read("SELECT * FROM publishes"):
            state = ("pending" if r["status"] == publishing.PUBLISHING else
                     "succeeded" if r["status"] == publishing.PUBLISHED else "failed")
            out.append(self._entry("publish", r["publish_id"], state, r))
        for r in self.store.read("SELECT * FROM mass_sends"):
            state = {"sending": "pending", "sent": "succeeded"}.get(r["state"], "failed")
            out.append(self._entry("mass", r["msg_id"], state, r))
        return sorted(out, key=lambda e: (e["submitted_at"], str(e["id"])))

    @staticmethod
    def _entry(kind: str, ident: Any, state: str, row: sqlite3.Row) -> dict[str, Any]:
        urls = json.loads(row["urls"] or "[]")
        articles = [{**a, "idx": i, "url": urls[i - 1] if i <= len(urls) else None}
                    for i, a in enumerate(json.loads(row["articles"]), start=1)]
        return {"kind": kind, "id": ident, "state": state, "media_id": row["media_id"],
                "submitted_at": _utc(row["submitted_at"]),
                "completed_at": _utc(row["done_at"]) if row["done_at"] else None,
                "articles": articles}

    def reset(self) -> None:
        """Forget everything: tokens, quotas, media, drafts, jobs, calls, faults."""
        self.store.reset()
        self.faults.clear()
        with self._lock:
            self._outcomes = {"publish": [], "mass": []}

    # -- live mode -------------------------------------------------------------
    def start_auto_complete(self) -> None:
        """Finish jobs by themselves ``auto_complete_seconds`` after submission."""
        if self.auto_complete_seconds is None or self._sweeper is not None:
            return
        interval = min(0.5, max(0.05, self.auto_complete_seconds / 4))

        def sweep() -> None:
            while not self._stop.wait(interval):
                try:
                    self.complete_jobs(due_only=True)
                except Exception:
                    log.exception("simulator job sweep failed")

        self._sweeper = threading.Thread(target=sweep, name="wechat-simulator-jobs",
                                         daemon=True)
        self._sweeper.start()

    def close(self) -> None:
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout=2)
            self._sweeper = None
