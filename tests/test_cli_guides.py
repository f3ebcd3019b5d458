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
    assert [a["text"] for a in answers] == ["你好", "護照多少錢", "有人在打架"]
    assert answers[0]["guide_id"] is None
    assert answers[1]["guide_id"] == "passport"
    assert answers[2]["guide_id"] == "emergency" and answers[2]["emergency"] is True
    assert answers[2]["reply"].startswith("110")


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
