"""Reading a text the CLI is given as a file (or "-" for standard input)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import Invalid


def read_text_file(path: str, what: str) -> str:
    """UTF-8 (a BOM is dropped); a missing or unreadable file is one line naming ``what``."""
    if path == "-":
        return click.get_text_stream("stdin", encoding="utf-8").read()
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise Invalid(f"{what}文件不存在：{path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"无法读取{what}文件 {path}：{exc}") from None
