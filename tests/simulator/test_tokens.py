"""access_token semantics of /token and /stable_token (wechat-platform.md §2.7)."""
from __future__ import annotations

from .conftest import Api, FakeClock


def menu_errcode(api: Api, token: str) -> int:
    # menu/get with no menu set answers 46003: the token itself was accepted.
    return int(api.get("menu/get", token=token)["errcode"])


def test_token_rotates_and_the_previous_one_lives_five_more_minutes(
        api: Api, sim_clock: FakeClock) -> None:
    first = api.get_token()
    assert first["expires_in"] == 7200
    sim_clock.advance(minutes=10)
    second = api.get_token()
    assert second["access_token"] != first["access_token"]
    sim_clock.advance(minutes=4)
    assert menu_errcode(api, first["access_token"]) == 46003
    sim_clock.advance(minutes=2)
    assert menu_errcode(api, first["access_token"]) == 40001  # not latest
    assert menu_errcode(api, second["access_token"]) == 46003


def test_token_expires_after_7200_seconds(api: Api, sim_clock: FakeClock) -> None:
    token = api.get_token()["access_token"]
    sim_clock.advance(seconds=7199)
    assert menu_errcode(api, token) == 46003
    sim_clock.advance(seconds=1)
    assert menu_errcode(api, token) == 42001


def test_bad_credentials_and_tokens(api: Api) -> None:
    assert api.get_token(secret="wrong")["errcode"] == 40001
    assert api.stable_token(secret="wrong")["errcode"] == 40125
    assert api.stable_token(appid="wx0000000000000000")["errcode"] == 40013
    assert menu_errcode(api, "not-a-token") == 40014
    assert menu_errcode(api, "88_" + "A" * 140) == 40001
    missing = api.client.get("/cgi-bin/menu/get").get_json()
    assert missing["errcode"] == 41001
    assert "rid: " in missing["errmsg"]


def test_stable_token_normal_mode_returns_the_same_token(
        api: Api, sim_clock: FakeClock) -> None:
    first = api.stable_token()
    sim_clock.advance(seconds=1000)
    again = api.stable_token()
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == 6200
    # /token rotations do not touch stable tokens (isolated).
    api.get_token()
    api.get_token()
    assert menu_errcode(api, first["access_token"]) == 46003


def test_stable_token_is_renewed_five_minutes_before_expiry(
        api: Api, sim_clock: FakeClock) -> None:
    first = api.stable_token()
    sim_clock.advance(seconds=7200 - 299)
    renewed = api.stable_token()
    assert renewed["access_token"] != first["access_token"]
    assert renewed["expires_in"] == 7200
    assert menu_errcode(api, first["access_token"]) == 46003  # runs out on its own


def test_force_refresh_invalidates_and_is_limited(api: Api, sim_clock: FakeClock) -> None:
    old = api.stable_token()["access_token"]
    new = api.stable_token(force=True)["access_token"]
    assert new != old
    assert menu_errcode(api, old) == 40001
    assert api.stable_token()["access_token"] == new

    assert api.stable_token(force=True)["errcode"] == 45011  # < 30 s apart
    for _ in range(19):
        sim_clock.advance(seconds=30)
        assert "access_token" in api.stable_token(force=True)
    sim_clock.advance(seconds=30)
    assert api.stable_token(force=True)["errcode"] == 45009  # 21st today
    sim_clock.advance(days=1)
    assert "access_token" in api.stable_token(force=True)
