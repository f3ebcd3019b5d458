"""发布 and 群发: async jobs, pushed events, quotas per account type, clientmsgid."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from xml.etree import ElementTree

from flask import Flask
from wechatpy import parse_message
from wechatpy.events import MassSendJobFinishEvent

from wechat_bot.simulator import Simulator

from .conftest import Api, FakeClock


def test_freepublish_is_async_and_pushes_publishjobfinish(
        api: Api, sim: Simulator, pushed: list[str], sim_clock: FakeClock) -> None:
    media_id = api.draft(2)
    res = api.post("freepublish/submit", {"media_id": media_id})
    assert res["errcode"] == 0
    publish_id = res["publish_id"]
    assert isinstance(res["msg_data_id"], int)
    assert api.post("freepublish/get", {"publish_id": publish_id})["publish_status"] == 1
    assert pushed == []

    assert sim.complete_jobs() == 1
    assert len(pushed) == 1
    root = ElementTree.fromstring(pushed[0])
    assert root.findtext("ToUserName") == sim.original_id
    assert root.findtext("ToUserName", "").startswith("gh_")
    assert root.findtext("FromUserName") == "oV5CrjpxgaGXNHIQigzNlgLTnwic"
    assert root.findtext("MsgType") == "event"
    assert root.findtext("Event") == "PUBLISHJOBFINISH"
    assert int(root.findtext("CreateTime", "0")) == int(sim_clock.now.timestamp())
    info = root.find("PublishEventInfo")
    assert info is not None
    assert info.findtext("publish_id") == publish_id
    assert info.findtext("publish_status") == "0"
    assert info.findtext("article_id")
    items = info.findall("article_detail/item")
    assert info.findtext("article_detail/count") == "2"
    assert [i.findtext("idx") for i in items] == ["1", "2"]
    urls = [i.findtext("article_url") for i in items]
    assert all(u and u.startswith("http://mp.weixin.qq.com/s?__biz=") for u in urls)

    got = api.post("freepublish/get", {"publish_id": publish_id})
    assert got["publish_status"] == 0
    assert [i["article_url"] for i in got["article_detail"]["item"]] == urls
    assert got["fail_idx"] == []
    # "A draft is removed from the 草稿箱 once it is mass-sent or published."
    assert api.post("draft/get", {"media_id": media_id})["errcode"] == 40007
    [entry] = sim.published_articles()
    assert entry["kind"] == "publish" and entry["state"] == "succeeded"
    assert [a["url"] for a in entry["articles"]] == urls


def test_failed_publish_reports_fail_idx(api: Api, sim: Simulator, pushed: list[str]) -> None:
    sim.fail_next_job("publish")
    publish_id = api.post("freepublish/submit", {"media_id": api.draft()})["publish_id"]
    sim.complete_jobs()
    got = api.post("freepublish/get", {"publish_id": publish_id})
    assert got["publish_status"] == 3 and got["fail_idx"] == [1]
    assert "<publish_status>3</publish_status>" in pushed[0]


def test_unverified_account_cannot_publish_or_mass_send(
        make_sim: Callable[..., Flask]) -> None:
    api = Api(make_sim(verified=False).test_client())
    media_id = api.draft()
    assert api.post("freepublish/submit", {"media_id": media_id})["errcode"] == 48001
    assert api.sendall(media_id, "c1")["errcode"] == 48001


def test_mass_send_pushes_masssendjobfinish(
        api: Api, sim: Simulator, pushed: list[str]) -> None:
    media_id = api.draft(3)
    res = api.sendall(media_id, "batch-2024-03-01")
    assert res["errcode"] == 0 and res["errmsg"] == "send job submission success"
    assert api.post("draft/get", {"media_id": media_id})["errcode"] == 40007
    assert sim.complete_jobs() == 1
    root = ElementTree.fromstring(pushed[0])
    assert root.findtext("Event") == "MASSSENDJOBFINISH"
    assert root.findtext("MsgID") == str(res["msg_id"])
    assert root.findtext("Status") == "send success"
    for tag in ("TotalCount", "FilterCount", "SentCount"):
        assert root.findtext(tag) == str(sim.follower_count)
    assert root.findtext("ErrorCount") == "0"
    assert root.findtext("ArticleUrlResult/Count") == "3"
    assert [i.findtext("ArticleIdx") for i in root.findall(
        "ArticleUrlResult/ResultList/item")] == ["1", "2", "3"]
    event = parse_message(pushed[0])
    assert isinstance(event, MassSendJobFinishEvent)
    assert event.sent_count == sim.follower_count


def test_clientmsgid_seen_within_24h_returns_45065_and_the_msg_id(
        api: Api, sim_clock: FakeClock) -> None:
    first = api.sendall(api.draft(), "notice-42")
    again = api.sendall(api.draft(), "notice-42")
    assert again["errcode"] == 45065
    assert again["msg_id"] == first["msg_id"]
    assert api.sendall(api.draft(), "x" * 65)["errcode"] == 45067
    sim_clock.advance(hours=24, seconds=1)
    assert api.sendall(api.draft(), "notice-42")["errcode"] == 0


def test_subscription_account_sends_once_per_beijing_day(
        api: Api, sim_clock: FakeClock) -> None:
    sim_clock.now = datetime(2024, 3, 1, 15, 50, tzinfo=UTC)  # 23:50 in Beijing
    assert api.sendall(api.draft(), "a")["errcode"] == 0
    assert api.sendall(api.draft(), "b")["errcode"] == 45028
    sim_clock.now = datetime(2024, 3, 1, 16, 5, tzinfo=UTC)   # 00:05 next day in Beijing
    assert api.sendall(api.draft(), "c")["errcode"] == 0
    assert api.sendall(api.draft(), "d")["errcode"] == 45028


def test_service_account_sends_four_times_per_month(
        make_sim: Callable[..., Flask], sim_clock: FakeClock) -> None:
    api = Api(make_sim(account_type="service").test_client())
    for i in range(4):
        assert api.sendall(api.draft(), f"m{i}")["errcode"] == 0
        sim_clock.advance(days=1)
    assert api.sendall(api.draft(), "m5")["errcode"] == 45028
    sim_clock.now = datetime(2024, 3, 31, 16, 0, tzinfo=UTC)  # 1 April in Beijing
    assert api.sendall(api.draft(), "april")["errcode"] == 0


def test_mass_send_checks_its_draft(api: Api) -> None:
    assert api.sendall("no-such-draft", "z")["errcode"] == 40007
    body = {"filter": {"is_to_all": True}, "msgtype": "text", "text": {"content": "x"}}
    assert api.post("message/mass/sendall", body)["errcode"] == 40008


def test_pushes_are_kept_when_nobody_listens(make_sim: Callable[..., Flask]) -> None:
    app = make_sim(push=None)
    sim = app.extensions["wechat_simulator"]
    api = Api(app.test_client())
    api.post("freepublish/submit", {"media_id": api.draft()})
    assert sim.pending_pushes() == []
    sim.complete_jobs()
    [xml] = sim.pending_pushes()
    assert "PUBLISHJOBFINISH" in xml


def test_a_failing_push_stays_pending(make_sim: Callable[..., Flask]) -> None:
    def refuse(xml: str) -> None:
        raise ConnectionError("developer URL down")

    app = make_sim(push=refuse)
    api = Api(app.test_client())
    api.post("freepublish/submit", {"media_id": api.draft()})
    app.extensions["wechat_simulator"].complete_jobs()
    assert len(app.extensions["wechat_simulator"].pending_pushes()) == 1
