"""`make run`'s process, for real: sandbox announced, /sandbox converses, clean stop."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"run exited early: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)  # polling a starting server: no event to wait on
    raise AssertionError("server did not come up")


def test_run_starts_in_sandbox_mode_and_the_sandbox_converses(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_BOT_")}
    cli = [sys.executable, str(ROOT / "app.py")]
    subprocess.run([*cli, "db", "upgrade"], cwd=tmp_path, env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [*cli, "run", "--port", str(port)], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", proc)
        session = requests.Session()
        assert "略阳公安" in session.get(f"{base}/sandbox", timeout=5).text
        replies = session.post(f"{base}/sandbox/api/send", json={"type": "text", "content": "你好"}, timeout=5).json()["replies"]
        assert "办事指南" in replies[0]["content"]
        # The simulator is served by the same server, as the real API would be.
        token = session.get(f"{base}/_simulator/cgi-bin/token", params={"grant_type": "client_credential", "appid": "x", "secret": "y"}, timeout=5).json()
        assert "errcode" in token
        # Malformed request lines get an HTTP error, not a traceback in the log.
        for raw, status in ((b"GET / HTTP/9.9\r\n\r\n", b"505"), (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", b"414"),
                            (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", b"431")):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw_socket:
                raw_socket.sendall(raw)
                answer = b""
                while len(answer) < 600 and (chunk := raw_socket.recv(600)):
                    answer += chunk
                assert status in answer, answer[:200]
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, output
    assert "沙箱模式" in output
    assert "Traceback" not in output, output
    pid_file = tmp_path / "instance" / "redis.pid"
    assert not pid_file.exists(), f"the embedded Redis was left running:\n{output}"
