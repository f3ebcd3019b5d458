"""Start and stop gunicorn (with the project's gunicorn.conf.py) for a test, bounded."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

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
