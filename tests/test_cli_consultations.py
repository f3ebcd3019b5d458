"""`consultations list [--status open|answered] [--json]` and `consultations reply ID --by USER --text-file F`
(CONTRACT §2): exit 0 ok, 1 refused with one Chinese line, 2 usage."""
from __future__ import annotations

import json

import pytest

from wechat_bot.cli import AppHolder, main

from .notices_support import fast_password_hashing, make_staff  # noqa: F401


@pytest.fixture
def cli(app, runner):
    make_staff(app)

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), obj=AppHolder(None, app=app), input=input)

    return invoke


@pytest.fixture
def answer_file(tmp_path):
    path = tmp_path / "answer.txt"
    path.write_text("您好，可在略阳县任一派出所补办。\n", encoding="utf-8")
    return str(path)


def test_list_shows_open_first_and_json_holds_the_messages(app, cli, wechat, clock):
    wechat.say("身份证丢了在外地能补办吗", openid="o_1")
    wechat.say("人工", openid="o_1")
    clock.advance(hours=1)
    wechat.say("人工：无犯罪证明开好了没", openid="o_2")
    result = cli("consultations", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("#1\t待办理") and "剩余" in lines[0]
    data = json.loads(cli("consultations", "list", "--json").stdout)
    assert [c["id"] for c in data] == [1, 2]
    assert [m["text"] for m in data[0]["messages"]] == ["身份证丢了在外地能补办吗", "人工"]
    assert data[0]["status"] == "open" and data[0]["kind"] == "咨询" and data[0]["overdue"] is False
    assert "o_1" not in cli("consultations", "list", "--json").stdout  # no openids printed
    assert json.loads(cli("consultations", "list", "--status", "answered", "--json").stdout) == []
    assert cli("consultations", "list", "--status", "closed").exit_code == 2


def test_reply_goes_through_the_simulator_and_marks_it_answered(app, cli, wechat, answer_file):
    services = app.extensions["wechat_bot"]
    wechat.say("人工：身份证在外地能补办吗", openid="o_cli")
    services.simulator.record_user_message("o_cli")
    result = cli("consultations", "reply", "1", "--by", "li", "--text-file", answer_file)
    assert result.exit_code == 0, result.output
    assert "已通过微信发送" in result.stdout
    assert [m["content"] for m in services.simulator.sent_messages("o_cli")] == ["您好，可在略阳县任一派出所补办。"]
    (row,) = json.loads(cli("consultations", "list", "--status", "answered", "--json").stdout)
    assert row["answered_by"] == "li" and row["answered_via"] == "微信"


def test_reply_refusals_are_one_line_and_change_nothing(app, cli, wechat, answer_file, clock, tmp_path):
    services = app.extensions["wechat_bot"]
    wechat.say("人工：我的驾驶证扣分有误", openid="o_late")
    services.simulator.record_user_message("o_late")

    def refused(*args: str, says: str) -> None:
        result = cli("consultations", *args)
        assert result.exit_code == 1, result.output
        assert result.stderr.count("\n") == 1 and says in result.stderr and "Traceback" not in result.output

    refused("reply", "9", "--by", "li", "--text-file", answer_file, says="留言 9 不存在")
    refused("reply", "1", "--by", "nobody", "--text-file", answer_file, says="nobody")
    refused("reply", "1", "--by", "li", "--text-file", str(tmp_path / "missing.txt"), says="答复内容文件不存在")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    refused("reply", "1", "--by", "li", "--text-file", str(empty), says="答复内容不能为空")
    clock.advance(hours=48, seconds=1)
    refused("reply", "1", "--by", "li", "--text-file", answer_file, says="微信回复时限已过")
    assert services.simulator.sent_messages("o_late") == []
    assert json.loads(cli("consultations", "list", "--json").stdout)[0]["status"] == "open"
    assert cli("consultations", "reply", "1", "--by", "li").exit_code == 2
    # Recorded as given another way instead.
    result = cli("consultations", "record", "1", "--by", "li", "--via", "电话", "--text-file", answer_file)
    assert result.exit_code == 0, result.output
    (row,) = json.loads(cli("consultations", "list", "--json").stdout)
    assert (row["status"], row["answered_via"]) == ("answered", "电话")


def test_reply_refused_by_wechat_itself_is_explained(app, cli, wechat, answer_file):
    # Our clock says the window is open, but the simulated WeChat never saw the citizen write.
    wechat.say("人工：我想问个问题", openid="o_unknown")
    result = cli("consultations", "reply", "1", "--by", "li", "--text-file", answer_file)
    assert result.exit_code == 1
    assert "微信拒绝发送" in result.stderr and "48小时" in result.stderr
