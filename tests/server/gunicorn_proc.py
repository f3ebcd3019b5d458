"""Start and stop gunicorn (with the project's gunicorn.conf.py) for a test, bounded."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import TEST_AES_KEY, TEST_TOKEN
from wechat_bot.store import EmbeddedRedis

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


class Gunicorn:
    def __init__(self, module: str, config: Path, port: int, workers: int, log: Path,
                 extra: list[str] | None = None) -> None:
        env = {**os.environ, "WECHAT_BOT_CONFIG": str(config), "WECHAT_BOT_LOG_LEVEL": "info",
               "PYTHONPATH": str(ROOT)}
        args = [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers), *(extra or []), module]
        self.log = log
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(args, cwd=config.parent, env=env, stdout=log.open("wb"),
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                requests.get(f"{self.url}/healthz", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer:\n{self.log.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def bot_config(tmp_path: Path, migrated_db: Path, *, redis_url: str = "") -> Path:
    """config.toml for the bot under test: a copy of the migrated SQLite database, the test
    account's token and AES key, and a Redis server's URL if given (else the embedded one)."""
    db = tmp_path / "bot.sqlite3"
    shutil.copy(migrated_db, db)
    redis_line = f'redis_url = "{redis_url}"\n' if redis_url else ""
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase_url = "sqlite:///{db}"\n{redis_line}\n'
                      f'[wechat]\ntoken = "{TEST_TOKEN}"\nencoding_aes_key = "{TEST_AES_KEY}"\n', encoding="utf-8")
    return config


def stop_leftover_embedded_redis(instance: Path) -> int | None:
    """After the web service has stopped: the pid of an embedded Redis still running in
    ``instance`` (None when none is), stopped now so that a failing test leaves no server behind."""
    embedded = EmbeddedRedis(instance)
    left_running = embedded.pid()
    if left_running:
        embedded.stop()
    return left_running
