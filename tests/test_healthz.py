"""/healthz: database, Redis, scheduler heartbeat and lease holder, WeChat as last seen."""
from __future__ import annotations

import pytest

from schedules.jobs import heartbeat
from schedules.runner import Lease
from wechat_bot.errors import UpstreamError
from wechat_bot.wechat_api import WeChatGateway

from .conftest import TEST_AES_KEY, TEST_TOKEN


def beat(app) -> str:
    lease = Lease(app)
    assert lease.acquire_or_renew()
    heartbeat(app)
    return lease.holder


def test_healthy_when_every_part_answers_and_the_scheduler_beats(app, client) -> None:
    holder = beat(app)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    checks = body["checks"]
    assert checks["database"] == {"ok": True} and checks["redis"] == {"ok": True}
    assert checks["scheduler"]["lease_holder"] == holder and checks["scheduler"]["heartbeat_age_seconds"] == 0
    assert checks["wechat"] == {"ok": True, "last_seen": None}


def test_no_scheduler_or_a_stale_heartbeat_is_503(app, client, clock) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"]["heartbeat"] is None
    beat(app)
    clock.advance(minutes=3)
    body = client.get("/healthz").get_json()
    assert body["ok"] is False and body["checks"]["scheduler"]["error"] == "heartbeat is stale"


def test_database_gone_is_503_without_details(app, client, database_outage) -> None:
    beat(app)
    database_outage.down()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert "sqlite" not in response.get_data(as_text=True)


def test_wechat_unreachable_as_last_seen_is_503(app, client) -> None:
    beat(app)
    services = app.extensions["wechat_bot"]
    dead = WeChatGateway("wx1234567890abcdef", "s" * 32, redis=services.store.redis,
                         key_prefix=services.store.prefix, api_base_url="http://127.0.0.1:9/cgi-bin/",
                         timeout=1)
    with pytest.raises(UpstreamError):
        dead.send_text("o_x", "hi")
    body = client.get("/healthz").get_json()
    assert client.get("/healthz").status_code == 503
    assert body["checks"]["wechat"]["ok"] is False
    assert body["checks"]["wechat"]["last_seen"]["reachable"] is False


def test_a_sandbox_call_records_wechat_as_reachable_and_no_secret_is_shown(app, client) -> None:
    beat(app)
    services = app.extensions["wechat_bot"]
    services.gateway.get_menu()
    response = client.get("/healthz")
    assert response.status_code == 200
    seen = response.get_json()["checks"]["wechat"]["last_seen"]
    assert seen["reachable"] is True and seen["errcode"] == 0
    text = response.get_data(as_text=True)
    settings = services.settings
    for secret in (TEST_TOKEN, TEST_AES_KEY, settings.wechat.app_secret, app.config["SECRET_KEY"]):
        assert secret not in text
    assert "access_token" not in text
