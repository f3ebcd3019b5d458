"""Speed of `posts import` (100,000 rows) and `report export` (a year of 100,000 posts).

    .venv/bin/python bench/report_bench.py [--rows 100000]

Works in a temporary directory with its own SQLite file: writes a CSV of ``rows`` posts in 2019
(all channels and categories, local times and offsets mixed) plus 10 % in 2020, then times:
  1. `python app.py posts import` of that file, as a subprocess (the real command, plain progress lines);
  2. the same import again (every row already logged: adds nothing);
  3. `report export --year 2019` in each format: the export itself (query + render, in process,
     best of 3) and the whole command as a subprocess (Python start-up and app build included).
Targets (issue 8): import < 30 s, export < 2 s.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHANNELS = {
    "website": ["overview", "department_document", "budget", "emergency_plan", "police_news"],
    "sunshine_police": ["penalty", "incident"],
    "wechat": ["police_news", "announcement", "service_guide", "public_service"],
    "weibo": ["police_news", "announcement"],
    "other": ["other"],
}


def write_csv(path: Path, rows: int) -> int:
    rng = random.Random(8)
    start = datetime(2019, 1, 1)
    extra = rows // 10
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["published_at", "channel", "category", "title", "url", "external_id"])
        for i in range(rows + extra):
            year_start = start if i < rows else datetime(2020, 1, 1)
            when = year_start + timedelta(seconds=rng.randrange(365 * 86400))
            channel = rng.choice(list(CHANNELS))
            category = rng.choice(CHANNELS[channel])
            stamp = when.strftime("%Y-%m-%dT%H:%M:%S") if i % 4 else (when - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
            external = f"{channel}-{i}" if i % 2 else ""
            url = f"https://www.lueyang.gov.cn/info/{i}" if channel == "website" else ""
            out.writerow([stamp, channel, category, f"第{i}条 关于某事项的公开信息", url, external])
    return rows + extra


def run(cmd: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr.decode()}")
    return elapsed, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        tmp_path = Path(tmp)
        config = tmp_path / "config.toml"
        config.write_text(f'[storage]\ndatabase_url = "sqlite:///{tmp_path / "bench.sqlite3"}"\n', encoding="utf-8")
        env = {**os.environ, "WECHAT_BOT_CONFIG": str(config)}
        data = tmp_path / "posts.csv"
        total = write_csv(data, args.rows)
        run([python, "app.py", "db", "upgrade"], env)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"CSV: {total} rows ({args.rows} in 2019), {data.stat().st_size / 1e6:.1f} MB")

        seconds, done = run([python, "app.py", "posts", "import", str(data)], env)
        print(f"posts import, first time:  {seconds:6.2f} s  ({done.stdout.decode().strip()})")
        seconds, done = run([python, "app.py", "posts", "import", str(data)], env)
        print(f"posts import, again:       {seconds:6.2f} s  ({done.stdout.decode().strip()})")

        os.environ["WECHAT_BOT_CONFIG"] = str(config)
        from wechat_bot import create_app
        from wechat_bot.db import get_session
        from wechat_bot.services.report_render import render
        from wechat_bot.services.reports import report_for

        app = create_app(str(config))
        settings = app.extensions["wechat_bot"].settings
        with app.app_context():
            for fmt in ("json", "csv", "xlsx", "md"):
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    report = report_for(get_session(), settings, 2019)
                    size = len(render(report, fmt))
                    best = min(best, time.perf_counter() - started)
                assert report.total == args.rows, report.total
                command, _ = run([python, "app.py", "report", "export", "--year", "2019", "--format", fmt,
                                  "--out", str(tmp_path / f"r.{fmt}")], env)
                print(f"report export {fmt:4}: export {best:5.3f} s (best of 3, {report.total} posts, {size} bytes); "
                      f"whole command {command:5.2f} s")
        app.extensions["wechat_bot"].database.dispose()


if __name__ == "__main__":
    main()
