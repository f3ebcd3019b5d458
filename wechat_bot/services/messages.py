"""Citizen-facing fixed texts, from wechat_bot/guides/messages.toml."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "guides" / "messages.toml"


class MessagesError(Exception):
    pass


@dataclass(frozen=True)
class Messages:
    welcome: str
    help: str
    media_unsupported: str
    error: str
    unavailable: str
    emergency: str
    contact: str
    consult: str
    media_kinds: dict[str, str]

    @classmethod
    def load(cls, bureau: Any, path: Path = DEFAULT_FILE) -> "Messages":
        """Read the file and fill in the bureau's details once."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise MessagesError(f"{path}: 无法读取：{exc}") from None
        values: dict[str, Any] = {}
        details = {
            "name": bureau.name,
            "account_name": bureau.account_name,
            "address": bureau.address,
            "phone": bureau.phone,
            "office_hours": bureau.office_hours,
        }
        for f in fields(cls):
            if f.name not in raw:
                raise MessagesError(f"{path}: {f.name}: 缺少此项")
            value = raw[f.name]
            if isinstance(value, str):
                try:
                    value = value.strip().format(**details, kind="{kind}")
                except (KeyError, IndexError) as exc:
                    raise MessagesError(f"{path}: {f.name}: 未知的占位符 {exc}") from None
            values[f.name] = value
        return cls(**values)

    def media(self, msg_type: str) -> str:
        kind = self.media_kinds.get(msg_type, "消息")
        return self.media_unsupported.replace("{kind}", kind)
