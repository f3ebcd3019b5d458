"""Each gunicorn worker caps glibc's malloc arenas before its threads start
(wechat_bot/serving.py): eight threads then share two arenas instead of taking one each."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")

# Eight threads allocate at once (past pymalloc, which serves only small objects from its
# own mmap'd arenas), then glibc's malloc_stats() prints one "Arena N:" block per arena.
PROGRAM = textwrap.dedent("""
    import ctypes, sys, threading
    from wechat_bot.serving import limit_malloc_arenas
    if sys.argv[1] == "capped":
        assert limit_malloc_arenas(2)
    barrier = threading.Barrier(8)
    kept = []
    def allocate():
        barrier.wait()
        kept.append([bytes(4096) for _ in range(200)])
        barrier.wait()
    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    ctypes.CDLL(None).malloc_stats()
""")


def arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, env=env,
                          timeout=60, check=True)
    return done.stderr.count("Arena ")


def test_a_worker_s_threads_share_two_malloc_arenas() -> None:
    assert arenas("default") > 2  # glibc's default: an arena per thread, up to 8 per core
    assert arenas("capped") <= 2


def test_the_operator_s_own_malloc_arena_max_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from wechat_bot.serving import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas(2) is False
