"""The systemd units in deploy/, as systemd would run them.

There is no systemd as PID 1 here, so the units are checked in the two ways that are
real: `systemd-analyze verify` reads them (syntax, directives, executables), and each
ExecStart is run with the unit's own Environment= lines and working directory, with
only the install paths (/opt/wechat-bot, /var/lib/wechat-bot) pointed at this checkout
and a temporary state folder. The web unit is Type=notify, so gunicorn must tell
systemd READY=1 on $NOTIFY_SOCKET (systemd would otherwise kill it after its start
timeout); the scheduler must stop cleanly on SIGTERM well inside TimeoutStopSec.
"""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALL, STATE = "/opt/wechat-bot", "/var/lib/wechat-bot"


def service_section(unit: Path) -> list[tuple[str, str]]:
    """The [Service] section's Key=Value lines, in order (systemd allows repeated keys)."""
    lines, section = [], None
    for raw in unit.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            lines.append((key.strip(), value.strip()))
    return lines


def localised(text: str, state: Path) -> str:
    """The unit's paths, pointed at this checkout's virtualenv and a temporary state folder."""
    venv = Path(sys.executable).parent.parent
    return (text.replace(f"{INSTALL}/.venv", str(venv)).replace(INSTALL, str(ROOT))
            .replace(STATE, str(state)))


def run_like_systemd(unit: Path, state: Path, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    service = service_section(unit)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    for key, value in service:
        if key == "Environment":
            name, _, val = localised(value, state).partition("=")
            env[name] = val
    env.update(extra_env)  # as a drop-in (systemctl edit) would: a free port instead of 8000
    exec_start = localised(dict(service)["ExecStart"], state)
    return subprocess.Popen(shlex.split(exec_start), cwd=localised(dict(service)["WorkingDirectory"], state),
                            env=env, stdout=(state / f"{unit.stem}.log").open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen[bytes], timeout: float) -> float:
    """SIGTERM, as systemd sends it; how long the service took to exit."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"did not stop within {timeout} s of SIGTERM")
    return time.monotonic() - started


@pytest.fixture
def state(tmp_path: Path, migrated_db: Path, redis_server_proc) -> Path:
    """/var/lib/wechat-bot: a config that passes the go-live checks, the database, the instance folder."""
    folder = tmp_path / "state"
    folder.mkdir()
    db = folder / "wechat_bot.sqlite3"
    shutil.copy(migrated_db, db)
    (folder / "config.toml").write_text(
        f'[storage]\ndatabase_url = "sqlite:///{db}"\nredis_url = "{redis_server_proc.url}"\n', encoding="utf-8")
    return folder


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_reads_both_units_without_complaint(tmp_path: Path) -> None:
    for unit in DEPLOY.glob("*.service"):
        (tmp_path / unit.name).write_text(localised(unit.read_text(encoding="utf-8"), tmp_path), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *sorted(map(str, tmp_path.glob("*.service")))],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_the_web_unit_tells_systemd_it_is_ready_then_serves_and_stops(state: Path, tmp_path: Path) -> None:
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify_path = tmp_path / "notify.sock"
    notify.bind(str(notify_path))
    notify.settimeout(60)
    port = free_port()
    unit = DEPLOY / "wechat-bot-web.service"
    assert dict(service_section(unit))["Type"] == "notify"
    web = run_like_systemd(unit, state, {"NOTIFY_SOCKET": str(notify_path), "WECHAT_BOT_BIND": f"127.0.0.1:{port}"})
    try:
        message = notify.recv(4096).decode()
        assert "READY=1" in message
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.headers["Content-Type"].startswith("application/json")
        assert health.json()["checks"]["database"]["ok"] is True
    finally:
        took = stop(web, timeout=float(dict(service_section(unit))["TimeoutStopSec"]))
        notify.close()
    assert took < 30


def test_the_scheduler_unit_runs_and_stops_cleanly_on_sigterm(state: Path, redis_server_proc) -> None:
    unit = DEPLOY / "wechat-bot-scheduler.service"
    scheduler = run_like_systemd(unit, state, {})
    log = state / f"{unit.stem}.log"
    try:
        deadline = time.monotonic() + 60
        client = redis_server_proc.client()
        while not any(k.endswith(b"scheduler:heartbeat") for k in client.scan_iter(match="*heartbeat*")):
            assert scheduler.poll() is None, log.read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "no heartbeat from the scheduler"
            time.sleep(0.2)
    finally:
        took = stop(scheduler, timeout=float(dict(service_section(unit))["TimeoutStopSec"]))
    assert scheduler.returncode == 0, log.read_text(encoding="utf-8", errors="replace")
    assert took < 30
