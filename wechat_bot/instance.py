"""The instance folder (SQLite database, embedded Redis, session key, simulator
state) must be writable with room to spare: checked once at start-up, so a
read-only or full disk gives one clear line instead of a traceback later."""
from __future__ import annotations

import errno
import os
from pathlib import Path

from .config import ConfigError

PROBE_BYTES = 256 * 1024  # room for a few SQLite pages and a Redis snapshot to begin with

_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def ensure_writable(path: Path) -> None:
    """Create ``path`` if needed and prove that PROBE_BYTES can be written and synced there."""
    probe = Path(path) / f".write-probe-{os.getpid()}"
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as handle:
            handle.write(b"\0" * PROBE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise ConfigError(_explain(Path(path), exc)) from None
    finally:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass


def _explain(path: Path, exc: OSError) -> str:
    if exc.errno in _FULL:
        return f"实例目录 {path} 所在磁盘已满，无法写入数据库和缓存；请清理磁盘空间后再启动"
    if exc.errno in _READ_ONLY:
        return f"实例目录 {path} 是只读的或没有写权限；请让运行本程序的用户可以写入该目录后再启动"
    return f"实例目录 {path} 无法写入（{exc.strerror or exc.__class__.__name__}）；请检查该目录和磁盘后再启动"
