"""The whole inbound route table, in one place."""
from __future__ import annotations

from wechat_bot.router import Router

from . import events, fallback, menu, text, voice


def register_all(router: Router) -> None:
    router.message("text")(text.on_text)
    router.message("voice")(voice.on_voice)
    router.message("image", "location", "link", "video", "shortvideo")(fallback.on_media)
    router.event("subscribe", "subscribe_scan")(events.on_subscribe)
    router.event("unsubscribe")(events.on_unsubscribe)
    router.event("masssendjobfinish")(events.on_mass_send_finished)
    router.event("publishjobfinish")(events.on_publish_finished)
    router.event("click")(menu.on_unknown_click)
    for key, handler in menu.CLICKS.items():
        router.click(key)(handler)
