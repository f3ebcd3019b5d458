"""Run a function in several processes at once, each with its own app built
from the same settings (as gunicorn workers and the scheduler are)."""
from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any

TIMEOUT = 60


def _child(fn: Callable[..., Any], settings: Any, index: int, barrier: Any, results: Any) -> None:
    try:
        from wechat_bot import create_app

        app = create_app(settings=settings)
        barrier.wait(timeout=TIMEOUT)  # every process ready: start together
        with app.app_context():
            value = fn(app, index)
        results.put((index, "ok", value))
    except BaseException:  # noqa: BLE001 - reported to the parent
        results.put((index, "error", traceback.format_exc()))


def run_in_processes(fn: Callable[..., Any], settings: Any, count: int = 4) -> list[Any]:
    """``fn(app, index)`` in ``count`` processes started together; their results by index."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(count)
    results = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(fn, settings, i, barrier, results)) for i in range(count)]
    for proc in procs:
        proc.start()
    collected: dict[int, Any] = {}
    try:
        for _ in procs:
            index, status, value = results.get(timeout=TIMEOUT)
            if status != "ok":
                raise AssertionError(f"process {index} failed:\n{value}")
            collected[index] = value
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
    return [collected[i] for i in range(count)]
