"""Fixtures for the WeChat API simulator: a fresh state file, an injected clock,
and ``api``, a thin helper that calls ``/cgi-bin/...`` through Flask's test client."""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from wechat_bot.simulator import Simulator, create_simulator

APP_ID = "wx1234567890abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"


class FakeClock:
    """Injected ``now``; tests move it instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Api:
    """Calls the simulator the way wechatpy would (token in the query, JSON bodies)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def stable_token(self, *, force: bool = False, secret: str = APP_SECRET,
                     appid: str = APP_ID) -> dict[str, Any]:
        return self.client.post("/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": appid, "secret": secret,
            "force_refresh": force}).get_json()

    def get_token(self, *, secret: str = APP_SECRET) -> dict[str, Any]:
        return self.client.get("/cgi-bin/token", query_string={
            "grant_type": "client_credential", "appid": APP_ID, "secret": secret}).get_json()

    @property
    def token(self) -> str:
        # Normal-mode stable_token returns the current token while it is valid,
        # so asking each time also follows the injected clock.
        return str(self.stable_token()["access_token"])

    def post(self, path: str, body: Any = None, *, token: str | None = None,
             raw: bytes | None = None, **params: str) -> dict[str, Any]:
        query = {"access_token": token or self.token, **params}
        data = raw if raw is not None else _dumps(body)
        return self.client.post(f"/cgi-bin/{path}", query_string=query,
                                data=data).get_json()

    def get(self, path: str, *, token: str | None = None, **params: str) -> dict[str, Any]:
        query = {"access_token": token or self.token, **params}
        return self.client.get(f"/cgi-bin/{path}", query_string=query).get_json()

    def upload(self, path: str, data: bytes, filename: str, **params: str) -> dict[str, Any]:
        query = {"access_token": self.token, **params}
        return self.client.post(f"/cgi-bin/{path}", query_string=query,
                                data={"media": (io.BytesIO(data), filename)},
                                content_type="multipart/form-data").get_json()

    # -- publishing shortcuts ------------------------------------------------
    def thumb(self) -> str:
        return str(self.upload("material/add_material", jpeg(), "cover.jpg",
                               type="thumb")["media_id"])

    def draft(self, n: int = 1, **fields: Any) -> str:
        thumb = self.thumb()
        articles = [{"title": f"通告{i}", "content": f"<p>正文{i}</p>",
                     "thumb_media_id": thumb, **fields} for i in range(n)]
        return str(self.post("draft/add", {"articles": articles})["media_id"])

    def sendall(self, media_id: str, clientmsgid: str | None = None,
                is_to_all: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"filter": {"is_to_all": is_to_all},
                                "mpnews": {"media_id": media_id}, "msgtype": "mpnews",
                                "send_ignore_reprint": 1}
        if clientmsgid is not None:
            body["clientmsgid"] = clientmsgid
        return self.post("message/mass/sendall", body)


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode() if body is not None else b""


def jpeg(size: tuple[int, int] = (120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def png(size: tuple[int, int] = (40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def sim_clock() -> FakeClock:
    # 10:00 in Beijing on a Friday.
    return FakeClock(datetime(2024, 3, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
def pushed() -> list[str]:
    return []


@pytest.fixture
def make_sim(tmp_path: Path, sim_clock: FakeClock,
             pushed: list[str]) -> Callable[..., Flask]:
    def make(**kwargs: Any) -> Flask:
        kwargs.setdefault("push", pushed.append)
        kwargs.setdefault("clock", sim_clock)
        return create_simulator(tmp_path / "sim.sqlite3", app_id=APP_ID,
                                app_secret=APP_SECRET, **kwargs)
    return make


@pytest.fixture
def sim_app(make_sim: Callable[..., Flask]) -> Flask:
    return make_sim()


@pytest.fixture
def sim(sim_app: Flask) -> Simulator:
    return sim_app.extensions["wechat_simulator"]  # type: ignore[no-any-return]


@pytest.fixture
def api(sim_app: Flask) -> Api:
    return Api(sim_app.test_client())
