"""A fifth process next to the gunicorn workers, built like the scheduler
(create_app from the same config): calls the WeChat API in a loop until the
stop file appears, and writes how many calls succeeded and which errcodes
reached it.

    python -m tests.server.token_caller STOP_FILE RESULT_FILE OPENID[,OPENID...]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from wechat_bot import create_app
from wechat_bot.errors import UpstreamError


def main() -> None:
    stop, result, openids = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3].split(",")
    gateway = create_app().extensions["wechat_bot"].gateway
    ok, errors = 0, []
    deadline = time.monotonic() + 120
    while not stop.exists() and time.monotonic() < deadline and ok + len(errors) < 15 * len(openids):
        try:
            gateway.send_text(openids[(ok + len(errors)) % len(openids)], "定时任务发送")
            ok += 1
        except UpstreamError as exc:
            errors.append(exc.errcode)
        time.sleep(0.01)
    result.write_text(json.dumps({"ok": ok, "errors": errors}))


if __name__ == "__main__":
    main()
