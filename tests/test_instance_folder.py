"""A read-only or full instance folder stops start-up with one clear Chinese
line and no traceback: the CLI (exit 1) and gunicorn (the master stops).

The folder is a real tmpfs, mounted read-only or filled up, in a private mount
namespace (``unshare -rm``), so no privilege on the machine is needed."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _can_unshare(), reason="needs unshare -rm (user and mount namespaces)")

MOUNTS = {
    "read-only": "mount -t tmpfs -o ro,size=1m tmpfs instance",
    "full": "mount -t tmpfs -o size=64k tmpfs instance && (dd if=/dev/zero of=instance/fill bs=4k 2>/dev/null || true)",
}
EXPECTED = {"read-only": "是只读的或没有写权限", "full": "所在磁盘已满"}


def run_with_instance(tmp_path: Path, kind: str, *command: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "instance").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_BOT_")}
    env["PYTHONPATH"] = str(ROOT)
    script = f"{MOUNTS[kind]} && exec \"$@\""
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", *command], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("kind", ["read-only", "full"])
def test_cli_start_up_refuses_with_one_line(tmp_path: Path, kind: str) -> None:
    result = run_with_instance(tmp_path, kind, sys.executable, str(ROOT / "app.py"), "db", "upgrade")
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("配置错误：实例目录"), result.stderr
    assert EXPECTED[kind] in lines[0]


@pytest.mark.parametrize("kind", ["read-only", "full"])
def test_gunicorn_start_up_refuses_with_one_line_and_stops(tmp_path: Path, kind: str) -> None:
    # gunicorn.conf.py's own worker count (two here), as systemd starts it: the master checks
    # before forking, so the line is not repeated by every worker
    result = run_with_instance(tmp_path, kind, str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"),
                               "--bind", "127.0.0.1:0", "app:app")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    ours = [line for line in output.splitlines() if "实例目录" in line]
    assert len(ours) == 1 and ours[0].startswith("配置错误：") and EXPECTED[kind] in ours[0], output
    assert "Traceback" not in output and "Booting worker" not in output
