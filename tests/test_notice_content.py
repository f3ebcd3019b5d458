"""What a notice is made of: times, rendering to WeChat's HTML, covers, and the [review]/[privacy] config."""
from __future__ import annotations

import io
import os
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from wechat_bot.config import ConfigError, load_settings
from wechat_bot.errors import Invalid
from wechat_bot.services import notice_content as content
from wechat_bot.services.covers import THUMB_MAX_BYTES, check_cover

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_bad_time_text_is_refused():
    with pytest.raises(Invalid, match="时间格式不正确"):
        content.parse_local_time("明天上午", SHANGHAI)


def test_review_config_is_validated(tmp_path):
    def load(text, environ=None):
        path = tmp_path / "c.toml"
        path.write_text(text, encoding="utf-8")
        return load_settings(path, environ=environ or {}, instance_path=tmp_path)

    with pytest.raises(ConfigError, match="review.steps"):
        load("[review]\nsteps = 4\n")
    with pytest.raises(ConfigError, match="review.step_names"):
        load('[review]\nsteps = 3\nstep_names = ["初审", "审发"]\n')
    with pytest.raises(ConfigError, match="privacy.sensitive_words"):
        load("[privacy]\nsensitive_words = [1, 2]\n")
    assert load('[review]\nsteps = 2\nstep_names = ["科室初审", "领导审发"]\n').review.names == ("科室初审", "领导审发")
    assert load("[privacy]\nsensitive_words = [\"雷霆行动\"]\n").privacy.sensitive_words == ("雷霆行动",)
    settings = load("", environ={"WECHAT_BOT_PRIVACY_SENSITIVE_WORDS": "甲行动, 乙方案，丙"})
    assert settings.privacy.sensitive_words == ("甲行动", "乙方案", "丙")


def test_rendered_html_keeps_only_the_allow_list_no_scripts_no_links():
    html = content.render_html(
        "正文 <script>alert(1)</script> [链接](https://evil.example) <a href='javascript:x' onclick='x'>点</a>\n\n"
        "![外链](https://evil.example/x.png) ![微信图](https://mmbiz.qpic.cn/a.jpg)\n\n> 引用\n\n<iframe src='x'></iframe>"
    )
    assert "script" not in html and "alert" not in html and "<a" not in html and "href" not in html
    assert "onclick" not in html and "iframe" not in html and "evil.example" not in html
    assert "链接" in html and '<img alt="微信图" src="https://mmbiz.qpic.cn/a.jpg">' in html
    assert "<blockquote>" in html


def _image(kind: str, size=(400, 300), noise=False) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, (30, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def test_cover_must_be_a_small_jpg_or_be_converted():
    small = _image("JPEG")
    assert check_cover(small).data == small
    png = _image("PNG", (800, 500), noise=True)
    with pytest.raises(Invalid, match="须为 JPG 且不超过 64KB，这张图片格式为 PNG、大小为"):
        check_cover(png)
    cover = check_cover(png, convert=True)
    assert cover.converted and cover.mime == "image/jpeg" and cover.size <= THUMB_MAX_BYTES
    assert Image.open(io.BytesIO(cover.data)).format == "JPEG"
    with pytest.raises(Invalid, match="无法识别"):
        check_cover(b"<svg onload=alert(1)>")
