"""The shape every simulated API handler shares, and the route table.

A handler is ``fn(ctx, conn, req) -> dict``: ``ctx`` is the ``Simulator``
(settings, clock), ``conn`` is the open write transaction, ``req`` the parsed
call. Handlers validate first and write last, raising ``ApiError`` to answer
with an errcode; the transaction still commits (quota counting survives).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    content_type: str = ""


@dataclass
class ApiRequest:
    path: str
    method: str
    params: dict[str, str]
    json: Any = None
    files: dict[str, Upload] = field(default_factory=dict)
    now: float = 0.0


Handler = Callable[[Any, Any, ApiRequest], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    handler: Handler
    needs_token: bool
    body: str  # "json", "multipart" or "none"


ROUTES: dict[str, Route] = {}


def route(path: str, *, method: str = "POST", needs_token: bool = True,
          body: str = "json") -> Callable[[Handler], Handler]:
    """Register a handler for ``cgi-bin/<path>``."""
    def register(fn: Handler) -> Handler:
        full = f"cgi-bin/{path}"
        ROUTES[full] = Route(full, method, fn, needs_token, body)
        return fn
    return register


def json_object(req: ApiRequest) -> dict[str, Any]:
    """The JSON body as a dict; 47001 like WeChat when it is not one."""
    from .codes import ApiError

    if not isinstance(req.json, dict):
        raise ApiError(47001)
    return req.json
