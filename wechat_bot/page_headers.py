"""Response headers for the pages citizens open (/g/ guides, /sandbox): a strict
Content-Security-Policy, no framing by other sites, no MIME sniffing.

These pages load only their own stylesheet and script; no inline code, nothing
from another host except WeChat's image host for article covers.
"""
from __future__ import annotations

from flask import Blueprint, Response

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "img-src 'self' data: https://mmbiz.qpic.cn; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def protect(bp: Blueprint) -> None:
    """Add the headers to every response of ``bp``."""

    @bp.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response
