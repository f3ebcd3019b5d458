"""CONTRACT §2: guides ask|list|check and menu sync, exactly as written."""
from __future__ import annotations

import json

from wechat_bot.cli import AppHolder, main


def invoke(app, runner, *args, **kwargs):
    return runner.invoke(main, list(args), obj=AppHolder(None, app=app), **kwargs)


def test_guides_ask_prints_the_reply(app, runner):
    result = invoke(app, runner, "guides", "ask", "身份证丢了怎么办")
    assert result.exit_code == 0
    assert result.output.startswith("【居民身份证丢失补领")


def test_guides_ask_json_has_the_contract_keys(app, runner):
    result = invoke(app, runner, "guides", "ask", "身份证丢了怎么办", "--json")
    answer = json.loads(result.output)
    assert {"text", "guide_id", "emergency", "candidates", "reply"} <= set(answer)
    assert answer["guide_id"] == "idcard-reissue"
    assert answer["emergency"] is False


def test_guides_ask_stdin_prints_one_json_object_a_line(app, runner):
    result = invoke(app, runner, "guides", "ask", "-", "--json", input="你好\n護照多少錢\n\n有人在打架\n")
    lines = result.output.strip().splitlines()
    answers = [json.loads(line) for line in lines]
    # One object per input line, blank lines included, so outputs line up with inputs.
    assert [a["text"] for a in answers] == ["你好", "護照多少錢", "", "有人在打架"]
    assert answers[0]["guide_id"] is None and answers[2]["guide_id"] is None
    assert answers[1]["guide_id"] == "passport"
    assert answers[3]["guide_id"] == "emergency" and answers[3]["emergency"] is True
    assert answers[3]["reply"].startswith("110")


def test_guides_list_and_check(app, runner):
    listing = invoke(app, runner, "guides", "list")
    assert "idcard-first" in listing.output and listing.exit_code == 0
    check = invoke(app, runner, "guides", "check")
    assert check.exit_code == 0


def test_menu_sync_pushes_to_the_simulator_in_sandbox(app, runner):
    result = invoke(app, runner, "menu", "sync")
    assert result.exit_code == 0, result.output
    services = app.extensions["wechat_bot"]
    assert services.gateway.get_menu()["menu"]["button"][0]["name"] == "办事指南"  # WeChat wraps it in "menu"


def test_bad_guide_data_stops_start_up_naming_file_and_field(tmp_path):
    """A staff edit that breaks a guide file must stop the bot with one clear line."""
    import os
    import shutil
    import subprocess
    import sys

    from wechat_bot.services import guide_catalogue

    broken = tmp_path / "guides"
    shutil.copytree(guide_catalogue.DEFAULT_DIR, broken)
    text = (broken / "passport.toml").read_text(encoding="utf-8")
    (broken / "passport.toml").write_text(text.replace('title = "', 'titel = "', 1), encoding="utf-8")
    script = (
        "import sys; from pathlib import Path; from wechat_bot.services import guide_catalogue as g; "
        f"g.DEFAULT_DIR = Path({str(broken)!r}); sys.argv = ['app.py', 'guides', 'list']; "
        "from wechat_bot.cli import main; main()"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_BOT_")}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 1, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert "passport.toml: titel" in line  # the file and the field, in one line


def test_cli_failures_are_one_line_not_a_traceback(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase_url = "sqlite:///{tmp_path}/never-migrated.sqlite3"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(root / "app.py"), "--config", str(config), "notices", "list"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "db upgrade" in result.stderr
