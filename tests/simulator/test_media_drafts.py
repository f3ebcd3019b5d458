"""Material uploads and draft validation (wechat-platform.md §2.2, §2.5)."""
from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, jpeg, png

BIG_JPEG = b"\xff\xd8\xff\xe0" + b"\0" * (64 * 1024)  # one byte over 64 KB


def test_thumb_must_be_a_small_jpeg(api: Api) -> None:
    ok = api.upload("material/add_material", jpeg(), "cover.jpg", type="thumb")
    assert set(ok) == {"media_id", "item"}
    assert api.upload("material/add_material", BIG_JPEG, "big.jpg",
                      type="thumb")["errcode"] == 40009
    assert api.upload("material/add_material", png(), "cover.png",
                      type="thumb")["errcode"] == 40005
    assert api.upload("material/add_material", jpeg(), "cover.png",
                      type="thumb")["errcode"] == 40005  # name and bytes disagree
    assert api.upload("material/add_material", b"", "e.jpg", type="thumb")["errcode"] == 41005
    assert api.upload("material/add_material", jpeg(), "a.jpg",
                      type="voice")["errcode"] == 40004


def test_image_material_returns_a_wechat_url(api: Api) -> None:
    res = api.upload("material/add_material", png(), "photo.png", type="image")
    assert res["url"].startswith("http://mmbiz.qpic.cn/")
    assert api.upload("material/add_material", b"plain text", "a.txt",
                      type="image")["errcode"] == 40005


def test_uploadimg_takes_small_jpg_or_png(api: Api) -> None:
    assert api.upload("media/uploadimg", png(), "in-body.png")["url"].startswith(
        "http://mmbiz.qpic.cn/")
    assert api.upload("media/uploadimg", b"GIF89a....", "a.gif")["errcode"] == 40005
    too_big = b"\xff\xd8\xff\xe0" + b"\0" * (1024 * 1024 - 4)
    assert api.upload("media/uploadimg", too_big, "a.jpg")["errcode"] == 40009


def article(api: Api, **fields: Any) -> dict[str, Any]:
    return {"title": "关于开展防诈骗宣传的通告", "author": "略阳县公安局",
            "content": "<p>请广大群众提高警惕。</p>", "thumb_media_id": api.thumb(), **fields}


def test_draft_add_and_get(api: Api) -> None:
    body = {"articles": [article(
        api, content="<p>正文<script>alert(1)</script><img src='https://evil.example/x.png'>"
                     "<img src='http://mmbiz.qpic.cn/mmbiz_png/abc/0?wx_fmt=png'></p>")]}
    media_id = api.post("draft/add", body)["media_id"]
    item = api.post("draft/get", {"media_id": media_id})["news_item"][0]
    assert item["title"] == "关于开展防诈骗宣传的通告"
    assert "script" not in item["content"] and "evil.example" not in item["content"]
    assert "mmbiz.qpic.cn" in item["content"]
    assert item["digest"] == "正文"  # default: start of the text of a single article
    assert item["thumb_url"].startswith("http://mmbiz.qpic.cn/")
    assert api.post("draft/get", {"media_id": "nope"})["errcode"] == 40007


@pytest.mark.parametrize(("fields", "errcode"), [
    ({"title": "标" * 33}, 45003),
    ({"title": ""}, 44003),
    ({"author": "作" * 17}, 45110),
    ({"digest": "摘" * 129}, 45004),
    ({"content": ""}, 44004),
    ({"content": "字" * 20_000}, 45002),
    ({"content_source_url": "https://x.cn/" + "a" * 1024}, 45005),
    ({"thumb_media_id": "temporary-or-unknown"}, 40007),
])
def test_draft_add_validation(api: Api, fields: dict[str, Any], errcode: int) -> None:
    assert api.post("draft/add", {"articles": [article(api, **fields)]})["errcode"] == errcode


def test_draft_article_count(api: Api) -> None:
    one = article(api)
    assert "media_id" in api.post("draft/add", {"articles": [one] * 8})
    assert api.post("draft/add", {"articles": [one] * 9})["errcode"] == 45008
    assert api.post("draft/add", {"articles": []})["errcode"] == 44003


def test_an_image_material_is_a_valid_cover(api: Api) -> None:
    image = api.upload("material/add_material", png(), "p.png", type="image")["media_id"]
    assert "media_id" in api.post("draft/add", {"articles": [
        article(api, thumb_media_id=image)]})
