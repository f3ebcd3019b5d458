"""Starting the bot's servers and commands as an operator would, for the start-up tests:
a real account's configuration, and the processes run with none of the test run's
WECHAT_BOT_* variables (an outside database or config would otherwise be used)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_ACCOUNT = '[wechat]\napp_id = "wx1234567890abcdef"\napp_secret = "s"\ntoken = "tok123"\n'
REAL_BUREAU = ('[bureau]\naddress = "略阳县城关镇某路1号公安局办事大厅"\nphone = "0916-0000000"\n'
               'office_hours = "周一至周五 8:00-12:00，14:30-18:00"\n')


def cli(config: Path, *args: str) -> list[str]:
    """``python app.py --config CONFIG ARGS…``"""
    return [sys.executable, str(ROOT / "app.py"), "--config", str(config), *args]


def gunicorn(*args: str) -> list[str]:
    """gunicorn as the systemd unit runs it (gunicorn.conf.py, app:app), on a free port."""
    return [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "gunicorn.conf.py"),
            "--pythonpath", str(ROOT), "--bind", "127.0.0.1:0", *args, "app:app"]


def start(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_BOT_")}
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


def the_one_refusal(result: subprocess.CompletedProcess[str], marker: str) -> str:
    """The single stderr line holding ``marker`` of a start refused with exit 1, before any
    worker booted and without a traceback."""
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if marker in line]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr
    return lines[0]
