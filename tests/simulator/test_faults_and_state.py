"""Fault injection, the record of calls, daily quotas, shared state, HTTP controls."""
from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from wechat_bot.simulator import Simulator

from .conftest import APP_SECRET, Api, FakeClock


def test_fault_by_times(api: Api, sim: Simulator) -> None:
    sim.inject("cgi-bin/menu/get", 45009, times=2)
    assert api.get("menu/get")["errcode"] == 45009
    assert api.get("menu/get")["errcode"] == 45009
    assert api.get("menu/get")["errcode"] == 46003


def test_fault_default_is_system_error_once(api: Api, sim: Simulator) -> None:
    sim.inject("menu/get")
    first = api.get("menu/get")
    assert first["errcode"] == -1 and first["errmsg"].startswith("system error")
    assert api.get("menu/get")["errcode"] == 46003


def test_fault_by_rate_is_reproducible(make_sim: Callable[..., Flask]) -> None:
    def run(app: Flask) -> list[int]:
        sim = app.extensions["wechat_simulator"]
        api = Api(app.test_client())
        token = api.token
        sim.inject("*", -1, rate=0.3, seed=1)
        codes = [api.get("menu/get", token=token)["errcode"] for _ in range(60)]
        sim.clear_faults()
        return codes

    first = run(make_sim())
    failures = first.count(-1)
    assert 5 <= failures <= 35
    assert set(first) == {-1, 46003}
    second = run(make_sim())
    assert second == first


def test_fault_after_runs_the_call_then_fails(api: Api, sim: Simulator) -> None:
    sim.inject("message/mass/sendall", -1, after=True)
    assert api.sendall(api.draft(), "batch-1")["errcode"] == -1
    retry = api.sendall(api.draft(), "batch-1")
    assert retry["errcode"] == 45065  # the first one did go out


def test_faults_over_http(api: Api, sim: Simulator) -> None:
    res = api.client.post("/_sim/faults", json={
        "path": "cgi-bin/message/mass/sendall", "errcode": -1, "times": 1})
    assert res.get_json()["ok"] is True
    assert api.sendall(api.draft(), "h1")["errcode"] == -1
    api.client.post("/_sim/faults", json={"path": "*", "errcode": -1, "rate": 1.0, "seed": 1})
    assert api.get("menu/get", token="x")["errcode"] == -1
    api.client.delete("/_sim/faults")
    assert api.get("menu/get")["errcode"] == 46003


def test_every_call_is_recorded(api: Api, sim: Simulator, sim_clock: FakeClock) -> None:
    api.post("menu/create", {"button": [{"type": "click", "name": "a", "key": "k"}]})
    api.get("menu/get", token="bogus")
    [create] = sim.calls("cgi-bin/menu/create")
    assert create.body == {"button": [{"type": "click", "name": "a", "key": "k"}]}
    assert create.errcode == 0 and create.at == sim_clock.now
    assert "access_token" in create.params
    [bad] = sim.calls("menu/get")
    assert bad.errcode == 40014
    stable = sim.calls("stable_token")[0]
    assert stable.body["secret"] == "***" and APP_SECRET not in str(sim.calls())
    upload = api.upload("material/add_material", b"\xff\xd8\xff\xe0x", "c.jpg", type="thumb")
    assert "media_id" in upload
    assert sim.calls("material/add_material")[0].body["media"]["size"] == 5
    listed = api.client.get("/_sim/calls", query_string={"path": "menu/get"}).get_json()
    assert [c["errcode"] for c in listed["calls"]] == [40014]


def test_daily_quota_is_configurable(make_sim: Callable[..., Flask],
                                     sim_clock: FakeClock) -> None:
    api = Api(make_sim(daily_limits={"cgi-bin/menu/get": 2}).test_client())
    token = api.token
    assert [api.get("menu/get", token=token)["errcode"] for _ in range(3)] == [
        46003, 46003, 45009]
    sim_clock.advance(days=1)
    assert api.get("menu/get")["errcode"] == 46003


def test_unknown_path_and_wrong_method(api: Api) -> None:
    res = api.client.get("/cgi-bin/no/such/api")
    assert res.status_code == 404 and res.get_json()["errcode"] == 404
    assert api.get("draft/add")["errcode"] == 43002
    assert api.client.get("/elsewhere").get_json()["errcode"] == 404


def test_state_is_shared_by_two_simulators_on_one_file(
        make_sim: Callable[..., Flask]) -> None:
    one, two = Api(make_sim().test_client()), Api(make_sim().test_client())
    token = one.token
    assert two.get("menu/get", token=token)["errcode"] == 46003
    assert one.sendall(one.draft(), "first")["errcode"] == 0
    assert two.sendall(two.draft(), "second")["errcode"] == 45028
    assert two.sendall(two.draft(), "first")["errcode"] == 45065


def test_http_controls(api: Api, sim: Simulator, pushed: list[str]) -> None:
    api.client.post("/_sim/users/oX/message")
    body = {"touser": "oX", "msgtype": "text", "text": {"content": "hi"}}
    assert api.post("message/custom/send", body)["errcode"] == 0
    got = api.client.get("/_sim/users/oX/messages").get_json()
    assert [m["content"] for m in got["messages"]] == ["hi"]
    api.post("freepublish/submit", {"media_id": api.draft()})
    assert api.client.post("/_sim/jobs/complete").get_json() == {"completed": 1}
    assert len(pushed) == 1
    articles = api.client.get("/_sim/articles").get_json()["articles"]
    assert articles[0]["state"] == "succeeded"
    api.client.post("/_sim/reset")
    assert sim.calls() == [] and sim.published_articles() == []


def test_live_mode_completes_jobs_by_itself(make_sim: Callable[..., Flask],
                                            sim_clock: FakeClock) -> None:
    done = threading.Event()
    app = make_sim(push=lambda xml: done.set(), auto_complete_seconds=2.0)
    sim = app.extensions["wechat_simulator"]
    try:
        api = Api(app.test_client())
        api.post("freepublish/submit", {"media_id": api.draft()})
        assert sim.complete_jobs(due_only=True) == 0  # not due yet
        sim_clock.advance(seconds=2)
        assert done.wait(timeout=10), "the sweeper thread did not finish the job"
    finally:
        sim.close()
