"""Fault injection: make chosen API paths fail, by count or at random.

Faults live in the state file so another process (CLI, a test driving the
web app over HTTP) can switch them on. Random faults use ``random.Random(seed)``
per fault, kept in the process that evaluates them, so a seeded run repeats.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .store import Store


def normalize_path(path: str) -> str:
    """``/cgi-bin/menu/get``, ``menu/get`` and ``cgi-bin/menu/get`` are the same API."""
    path = path.strip().lstrip("/")
    if path == "*" or path.startswith("cgi-bin/"):
        return path
    return f"cgi-bin/{path}"


@dataclass(frozen=True)
class Fault:
    id: int
    path: str
    errcode: int | None   # None: no error, only ``delay``
    delay: float          # seconds to stall before answering
    after: bool           # run the real handler first, then answer the error


class Faults:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._rngs: dict[int, random.Random] = {}
        self._lock = threading.Lock()

    def inject(self, path: str, errcode: int | None = -1, *, times: int | None = None,
               rate: float | None = None, seed: int | None = None, delay: float = 0.0,
               after: bool = False) -> int:
        """Fail the next ``times`` calls (default 1), or each call with probability ``rate``."""
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        remaining = times if times is not None else (None if rate is not None else 1)
        with self._store.tx() as conn:
            cur = conn.execute(
                "INSERT INTO faults (path, errcode, remaining, rate, seed, delay, after)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (normalize_path(path), errcode, remaining, rate, seed, float(delay),
                 int(after)))
            return int(cur.lastrowid or 0)

    def clear(self) -> None:
        with self._store.tx() as conn:
            conn.execute("DELETE FROM faults")
        with self._lock:
            self._rngs.clear()

    def take(self, path: str) -> Fault | None:
        """The fault that fires for this call, if any (consuming one of its ``times``)."""
        if not self._store.read("SELECT 1 FROM faults LIMIT 1"):
            return None  # the usual case: no write transaction needed
        with self._store.tx() as conn:
            rows = conn.execute(
                "SELECT * FROM faults WHERE path = ? OR path = '*' ORDER BY id",
                (path,)).fetchall()
            for row in rows:
                if row["rate"] is not None and not self._roll(row["id"], row["seed"],
                                                              row["rate"]):
                    continue
                if row["remaining"] is not None:
                    if row["remaining"] <= 1:
                        conn.execute("DELETE FROM faults WHERE id = ?", (row["id"],))
                    else:
                        conn.execute("UPDATE faults SET remaining = remaining - 1"
                                     " WHERE id = ?", (row["id"],))
                return Fault(row["id"], row["path"], row["errcode"], row["delay"],
                             bool(row["after"]))
        return None

    def _roll(self, fault_id: int, seed: int | None, rate: float) -> bool:
        with self._lock:
            rng = self._rngs.get(fault_id)
            if rng is None:
                rng = self._rngs[fault_id] = random.Random(seed)
            return rng.random() < rate
