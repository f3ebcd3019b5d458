"""gunicorn's threaded worker, with the closing linger moved off its main loop.

gunicorn 27 closes a connection "gracefully" (RFC 9112 §9.6): it half-closes
and then reads until the client closes too, for up to 2 s, so that unread
request bytes never turn into a reset that truncates the reply. The sync
worker does that in its only thread, the gthread worker in its main loop: a
client that closes 20 ms after reading the reply (bench/webhook_load.py
--late-close 20) holds the whole worker for those 20 ms. Measured on the bare
echo, 2 workers, concurrency 32: sync 82 req/s, gthread 844, this worker at
the same rate as with a prompt client (numbers in bench/README.md).

Here the half-close happens at once and one background thread per worker
waits for the clients' FINs, with the same 2 s and 64 KiB caps as gunicorn.
gunicorn.conf.py selects it: ``worker_class = "wechat_bot.serving.ThreadWorker"``.

Each worker also caps glibc's malloc arenas (``limit_malloc_arenas``) before its
threads start: by default glibc gives every thread an arena of its own (up to 8 per
core), and in a 24-minute soak the eight threads' arenas made each worker's resident
size rise nearly twice as fast as with two (bench/README.md).
"""
from __future__ import annotations

import ctypes
import gc
import os
import queue
import selectors
import socket
import threading
import time
from typing import Any

from gunicorn.workers import gthread

LINGER_SECONDS = 2.0
MAX_DRAIN = 65536

# Arenas per worker process. Python's threads allocate one at a time (the GIL), so
# two arenas cost nothing in contention; measured in bench/README.md (soak A/B).
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's <malloc.h>


def limit_malloc_arenas(count: int = MALLOC_ARENAS) -> bool:
    """Cap this process's glibc malloc arenas at ``count``, as MALLOC_ARENA_MAX would;
    True when the cap is set. Threads started later share those arenas.

    An operator's own MALLOC_ARENA_MAX (read by glibc at start) is left as it is; on a
    C library without ``mallopt`` (musl returns 0, macOS has none) nothing changes."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt(_M_ARENA_MAX, count) == 1


class Linger:
    """Closes half-closed sockets when the peer closes, or after LINGER_SECONDS."""

    def __init__(self) -> None:
        self._incoming: queue.SimpleQueue[socket.socket] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="linger", daemon=True)
            self._thread.start()

    def add(self, sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_WR)  # the reply is complete: send FIN now
        except OSError:
            _close(sock)
            return
        self._incoming.put(sock)

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        waiting: dict[socket.socket, list[float]] = {}  # sock -> [deadline, drained]
        while True:
            while True:
                try:
                    sock = self._incoming.get_nowait()
                except queue.Empty:
                    break
                try:
                    sock.setblocking(False)
                    selector.register(sock, selectors.EVENT_READ)
                except (OSError, ValueError):
                    _close(sock)
                    continue
                waiting[sock] = [time.monotonic() + LINGER_SECONDS, 0]
            for key, _ in selector.select(timeout=0.02 if waiting else 0.1):
                sock = key.fileobj  # type: ignore[assignment]
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                state = waiting[sock]
                state[1] += len(data)
                if not data or state[1] >= MAX_DRAIN:
                    self._drop(selector, waiting, sock)
            now = time.monotonic()
            for sock in [s for s, (deadline, _) in waiting.items() if deadline <= now]:
                self._drop(selector, waiting, sock)

    @staticmethod
    def _drop(selector: selectors.BaseSelector, waiting: dict[Any, Any], sock: socket.socket) -> None:
        selector.unregister(sock)
        del waiting[sock]
        _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass


_linger = Linger()


class _Conn(gthread.TConn):
    def close(self, graceful: bool = False) -> None:
        if graceful:
            _linger.add(self.sock)
        else:
            super().close()


def release_embedded_redis() -> None:
    """gunicorn's master, after its last worker has stopped (``on_exit`` in gunicorn.conf.py):
    shut the embedded Redis down unless another process still uses it. Each worker lets
    go of it on its way out, but a worker replaced after max_requests leaves it running
    for its successor, which may not have touched Redis yet when the stop comes."""
    import logging

    log = logging.getLogger("gunicorn.error")
    try:
        from .config import load_settings
        from .store import EmbeddedRedis

        settings = load_settings()
        if settings.storage.redis_url:
            return  # a Redis server of the operator's: not ours to stop
        if EmbeddedRedis(settings.instance_path).stop_if_unused():
            log.info("embedded Redis stopped with the web service")
    except Exception as exc:  # the service is stopping anyway: say why, do not fail the exit
        log.warning("embedded Redis left running at exit: %s", exc)


class ThreadWorker(gthread.ThreadWorker):
    """gthread, except that closing a connection never waits for the client."""

    def run(self) -> None:
        super().run()
        if self.nr >= self.max_requests:
            # Replaced after max_requests, not stopped: the service goes on without us.
            from .store import leave_embedded_redis_running

            leave_embedded_redis_running()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        # The app's long-lived objects (guide catalogue, lexicon, indexes: ~130,000) are set
        # aside from the cyclic garbage collector, whose full collections walked them every
        # time and held all the worker's threads up to 87 ms (with them set aside, 26 ms;
        # bench/gc_pauses.py). They stay alive as long as the worker anyway; a catalogue replaced
        # after staff edit a guide file is freed by reference counting, and any reference
        # cycle in it stays until the worker is replaced (max_requests, gunicorn.conf.py).
        gc.freeze()

    def init_process(self) -> None:
        limit_malloc_arenas()  # before the thread pool's threads take arenas of their own
        # In this worker process only: the connections gthread creates are ours.
        gthread.TConn = _Conn  # type: ignore[misc]
        _linger.start()
        super().init_process()
