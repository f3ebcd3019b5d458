"""A faithful stand-in for the part of the WeChat Official Account API we use.

Tests and sandbox mode run the real wechatpy client against it over loopback
HTTP. It never touches the network and imports nothing else from wechat_bot.
"""
from __future__ import annotations

from .app import create_simulator
from .core import Call, Simulator
from .push import WebhookPusher

__all__ = ["Call", "Simulator", "WebhookPusher", "create_simulator"]
