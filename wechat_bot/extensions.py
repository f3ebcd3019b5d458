"""The per-app service container handlers, views, commands and jobs share."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Any

import redis as redis_lib
from flask import has_request_context, request
from werkzeug.wsgi import get_host

from .config import Settings
from .db import Database
from .dedup import Deduplicator
from .inbound import Envelope
from .router import Router
from .services import dialogue
from .services.guides import Answer, Bureau, Catalogue, answer_text
from .services.messages import Messages
from .store import Store, connect

log = logging.getLogger(__name__)


# The WSGI environ of the /wechat POST being answered outside Flask's request context
# (webhook.DirectWebhook): ``site_url`` reads the host from it.
webhook_environ: ContextVar[dict[str, Any] | None] = ContextVar("webhook_environ", default=None)


def system_clock() -> datetime:
    return datetime.now(UTC)


_catalogues: dict[tuple[Any, ...], Catalogue] = {}


def load_catalogue() -> Catalogue:
    """Load once per process and per version of the files (the index takes ~0.2 s)."""
    from .services.guide_catalogue import DEFAULT_DIR

    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in DEFAULT_DIR.glob("*.toml")))
    if stamp not in _catalogues:
        _catalogues.clear()
        _catalogues[stamp] = Catalogue.load(DEFAULT_DIR)
    return _catalogues[stamp]


@lru_cache(maxsize=64)  # a handful of hosts reach us; a bounded memo, as Host is the client's to set
def _site_of(scheme: str, host: str | None, server: str | None, port: str | None, script_name: str | None) -> str:
    """``request.scheme://request.host + request.root_path``, as werkzeug works them out
    (not ``request.url_root``, which re-encodes the whole URL)."""
    environ = {"wsgi.url_scheme": scheme}
    for name, value in (("HTTP_HOST", host), ("SERVER_NAME", server), ("SERVER_PORT", port)):
        if value is not None:
            environ[name] = value
    root = (script_name or "").encode("latin1").decode(errors="replace")
    return f"{scheme}://{get_host(environ)}{root}"


@dataclass(frozen=True)
class Ahead:
    """``BotServices.look_ahead``: the context ``respond`` will keep (``dialogue.keep_ahead``;
    None when it depends on the last one), and whether the answer on its own opens a
    consultation (``respond`` may still decide otherwise in the citizen's context: a guess
    the caller must not depend on)."""

    keep: dialogue.KeepAhead | None
    opens: bool


class BotServices:
    """Built once by create_app; expensive parts (Redis, WeChat) open on first use."""

    def __init__(
        self,
        settings: Settings,
        *,
        database: Database,
        router: Router,
        clock: Callable[[], datetime] = system_clock,
        redis_client: redis_lib.Redis | None = None,
        redis_prefix: str = "wb:",
    ) -> None:
        self.settings = settings
        self.database = database
        self.router = router
        self.clock = clock
        self._redis_client = redis_client
        self._redis_prefix = redis_prefix
        self.messages = Messages.load(settings.bureau)
        wx = settings.wechat
        self.envelope = Envelope(wx.token, wx.app_id, [wx.encoding_aes_key, wx.previous_encoding_aes_key])
        # Set by `run` in sandbox mode: the simulator mounted in the same server.
        self.simulator_url: str | None = None
        self.app: Any = None  # the Flask app, set by create_app (simulator pushes post to it)

    @cached_property
    def store(self) -> Store:
        client = self._redis_client or connect(self.settings.storage.redis_url, self.settings.instance_path)
        return Store(client, self._redis_prefix)

    @cached_property
    def dedup(self) -> Deduplicator:
        return Deduplicator(self.store)

    @cached_property
    def consultation_markers(self) -> Any:
        """Restores the consultation markers Redis lost (services/consultations.py)."""
        from .services.consultations import MarkerRestorer

        return MarkerRestorer(self.store, self.database.sessionmaker)

    # -- service guides ---------------------------------------------------------
    @cached_property
    def catalogue(self) -> Catalogue:
        """The guide catalogue; create_app loads it, so bad data stops start-up."""
        return load_catalogue()

    @cached_property
    def bureau(self) -> Bureau:
        b = self.settings.bureau
        return Bureau(b.name, b.account_name, b.address, b.phone, b.office_hours)

    @property
    def menu(self) -> dict[str, Any]:
        return self.catalogue.menu

    def site_url(self) -> str:
        """Where citizens' phones reach us: web.public_url, else the current request's host."""
        base = self.settings.web.public_url
        if not base:
            # The webhook's POSTs have no Flask request context (webhook.DirectWebhook).
            environ = webhook_environ.get() or (request.environ if has_request_context() else None)
            if environ is not None:
                base = _site_of(environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST"),
                                environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"))
        return (base or "http://127.0.0.1:8000/").rstrip("/")

    def answer(self, text: str, pending_choices: Sequence[str] = ()) -> Answer:
        """The reply to a citizen's text on its own, as `guides ask` without --as gives it."""
        return self._finalised(self._guide_answer(text, pending_choices))

    def respond(self, text: str, memory: Any, now: datetime, pending_choices: Sequence[str] = ()) -> Answer:
        """The reply in the context of the citizen's previous messages (``dialogue``), as the
        webhook gives it. The context is applied first: "要多少钱" after a guide is a follow-up,
        not a question no guide answers (which ``finalise`` would turn into a consultation)."""
        site = self.site_url()
        return self._finalised(dialogue.respond(
            lambda text, pending: self._guide_answer(text, pending, site),
            self.catalogue, self.bureau, lambda guide_id: f"{site}/g/{guide_id}",
            text, memory, now, pending_choices,
        ))

    def look_ahead(self, text: str, now: datetime) -> Ahead:
        """What the webhook works out from a message with no offered list before reading the
        citizen's state, from its answer on its own (remembered for ``respond``)."""
        first = self._guide_answer(text)
        return Ahead(dialogue.keep_ahead(first, text, now), self._opens_consultation(first))

    def _guide_answer(self, text: str, pending_choices: Sequence[str] = (), site: str | None = None) -> Answer:
        return answer_text(
            self.catalogue, text, self.bureau, site_url=self.site_url() if site is None else site,
            help_text=self.messages.help, pending_choices=tuple(pending_choices),
        )

    def _finalised(self, found: Answer) -> Answer:
        return self._finalise(found, self.bureau, self.settings.consultations)

    @cached_property
    def _opens_consultation(self) -> Any:
        from .services.consultations import opens_consultation  # (resolved once, as below)

        return opens_consultation

    @cached_property
    def _finalise(self) -> Any:
        # Resolved once: an import statement in the function ran the import machinery on
        # every message (~10 µs).
        from .services.consultations import finalise

        return finalise

    # -- WeChat: the real API, or the built-in simulator in sandbox mode -------

    @cached_property
    def webhook_pusher(self) -> Any:
        """Builds inbound deliveries exactly as WeChat would (sandbox page, simulator pushes)."""
        from .simulator.push import WebhookPusher

        wx = self.settings.wechat
        return WebhookPusher(wx.token, wx.encoding_aes_key, wx.app_id, self._post_to_webhook)

    def _post_to_webhook(self, query: str, body: bytes) -> int:
        response = self.app.test_client().post(f"/wechat?{query}", data=body, content_type="text/xml")
        return int(response.status_code)

    @cached_property
    def simulator(self) -> Any:
        """The simulator's state object (sandbox mode only)."""
        if not self.settings.sandbox:
            raise RuntimeError("the WeChat simulator exists only in sandbox mode")
        return self.simulator_app.extensions["wechat_simulator"]

    @cached_property
    def simulator_app(self) -> Any:
        from .simulator import create_simulator

        wx = self.settings.wechat
        return create_simulator(
            self.settings.instance_path / "wechat-simulator.sqlite3",
            app_id=wx.app_id,
            app_secret=wx.app_secret,
            account_type=wx.account_type,
            push=self.webhook_pusher,
            clock=self.clock,
            auto_complete_seconds=self.simulator_auto_complete,
        )

    simulator_auto_complete: float | None = None

    def simulator_note_user_message(self, openid: str) -> None:
        """In sandbox mode, tell the simulated WeChat that this user just wrote to us."""
        if self.settings.sandbox:
            self.simulator.record_user_message(openid)

    @cached_property
    def gateway(self) -> Any:
        from .wechat_api import WeChatGateway

        wx = self.settings.wechat
        base = wx.api_base_url or "https://api.weixin.qq.com/cgi-bin/"
        if self.settings.sandbox:
            base = self.simulator_url or self._serve_simulator_in_thread()
        return WeChatGateway(
            wx.app_id,
            wx.app_secret,
            redis=self.store.redis,
            key_prefix=self.store.prefix,
            api_base_url=base,
            account_type=wx.account_type,
        )

    def _serve_simulator_in_thread(self) -> str:
        """CLI commands in sandbox mode: the simulator on a loopback port of our own."""
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """The request line carries access_token: keep it out of the terminal."""

        server = make_server("127.0.0.1", 0, self.simulator_app, threaded=True, request_handler=Quiet)
        thread = threading.Thread(target=server.serve_forever, name="wechat-simulator", daemon=True)
        thread.start()
        self._simulator_server = server
        return f"http://127.0.0.1:{server.server_port}/cgi-bin/"
