"""/healthz: what an operator (or nginx, systemd, a monitor) needs to know, as JSON.

200 when everything is healthy, 503 otherwise. Checks:
* database: ``SELECT 1``;
* redis: ``PING``;
* scheduler: the heartbeat the active scheduler writes every 30 s
  (schedules/jobs.py) and the holder of the scheduler lease; stale after
  ``HEARTBEAT_STALE_SECONDS``;
* wechat: reachability as last seen by any process's API call
  (WeChatGateway records it in Redis); never called yet is not a failure.
No secrets: error kinds only (never messages, which can carry a database URL),
no tokens, no configuration values.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

HEARTBEAT_STALE_SECONDS = 120


@bp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    services = current_app.extensions["wechat_bot"]
    checks = {
        "database": _database(services),
        "redis": _redis(services),
    }
    checks["scheduler"] = _scheduler(services) if checks["redis"]["ok"] else {"ok": False, "error": "redis"}
    checks["wechat"] = _wechat(services) if checks["redis"]["ok"] else {"ok": True, "last_seen": None}
    healthy = all(c["ok"] for c in checks.values())
    body = {"ok": healthy, "sandbox": services.settings.sandbox, "checks": checks}
    return body, 200 if healthy else 503


def _database(services: Any) -> dict[str, Any]:
    try:
        with services.database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _redis(services: Any) -> dict[str, Any]:
    try:
        services.store.redis.ping()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _scheduler(services: Any) -> dict[str, Any]:
    store = services.store
    beat, holder = store.redis.mget(store.key("scheduler", "heartbeat"), store.key("scheduler", "lease"))
    result: dict[str, Any] = {"lease_holder": holder.decode() if holder else None}
    if not beat:
        return {"ok": False, "heartbeat": None, "error": "no heartbeat: is `app.py scheduler` running?", **result}
    at = datetime.fromisoformat(beat.decode())
    age = (services.clock() - at).total_seconds()
    ok = age <= HEARTBEAT_STALE_SECONDS
    result.update(heartbeat=at.isoformat(), heartbeat_age_seconds=round(age))
    if not ok:
        result["error"] = "heartbeat is stale"
    return {"ok": ok, **result}


def _wechat(services: Any) -> dict[str, Any]:
    raw = services.store.redis.get(services.store.key("wechat", "last_seen"))
    if not raw:
        return {"ok": True, "last_seen": None}
    seen = json.loads(raw)
    return {"ok": bool(seen.get("reachable")), "last_seen": seen}
