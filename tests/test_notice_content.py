"""What a notice is made of: times, rendering to WeChat's HTML (and its marked findings), covers, the config."""
from __future__ import annotations

import io
import os
import re
import time
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from wechat_bot.config import ConfigError, load_settings
from wechat_bot.console.highlight import Span, render_highlighted
from wechat_bot.errors import Invalid
from wechat_bot.services import notice_content as content
from wechat_bot.services.covers import THUMB_MAX_BYTES, UPLOAD_MAX_BYTES, check_cover

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


@pytest.mark.parametrize("text", ["0001-01-01T00:00", "9999-12-31T23:59", "9999-12-31T23:00+00:00", "1999-12-31T23:59"])
def test_times_out_of_range_are_refused_not_overflowed(text):
    with pytest.raises(Invalid, match="时间超出范围"):
        content.parse_local_time(text, SHANGHAI)
    assert content.parse_local_time("2099-12-31T23:59", SHANGHAI).year == 2099


# Each of these makes Python-Markdown (or html.parser) quadratic or recursive; at the size cap
# every one must be refused (or rendered) well within a second.
HOSTILE = ["[", "![", "[^", "[a](", "[a][b", "<![CDATA[", "<a ", "<a\n", "<a b='>'", "- ", "1. ", "+ ", "> - ",
           "-\n", "=\n", "- \n", "---\n", "* * *\n", "a\n---\n", "> ", "*a", "_*", "\\", "**a", "_a_ ", "x*",
           "`a", "&a;", "<b>"]


def test_emphasis_is_bounded_per_paragraph_not_per_notice():
    # A notice full of bold words and image names with underscores is fine; a thousand and one
    # markers in one paragraph are refused with what to do about it.
    ordinary = "\n\n".join("**重要提示**：请携带 *身份证* 原件，照片文件名如 id_photo_2026.jpg。" * 20 for _ in range(10))
    assert "<strong>重要提示</strong>" in content.render_html(ordinary)
    with pytest.raises(Invalid, match="强调符号.*1000"):
        content.render_html("*" * (content.EMPHASIS_MAX + 1))
    content.render_html("_" * content.EMPHASIS_MAX + "\n\n" + "_" * content.EMPHASIS_MAX)


@pytest.mark.parametrize("unit", HOSTILE)
def test_hostile_markdown_is_refused_or_rendered_within_a_second(unit):
    body = (unit * (content.BODY_MAX // len(unit) + 1))[: content.BODY_MAX - 1] + "x"
    # CPU time, the work itself: the wall clock of a machine running other jobs measured them too.
    started = time.process_time()
    try:
        content.render_html(body)
    except Invalid as exc:
        assert re.search("嵌套过深|未配对|未闭合|分隔线|强调符号", exc.message), exc.message
    assert time.process_time() - started < 1.0


def test_too_long_bodies_are_refused_before_rendering(monkeypatch):
    monkeypatch.setattr(content.markdown, "markdown", lambda *a, **k: pytest.fail("rendered"))
    with pytest.raises(Invalid, match=rf"^正文过长（上限 {content.BODY_MAX} 字），现在 {content.BODY_MAX + 1} 字"):
        content.clean_body("字" * (content.BODY_MAX + 1))


def test_a_recursion_error_in_markdown_becomes_a_refusal(monkeypatch):
    def overflow(*_args, **_kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(content.markdown, "markdown", overflow)
    with pytest.raises(Invalid, match="嵌套过深"):
        content.render_html("正文")


def test_real_notices_are_not_caught_by_the_guards():
    body = "\n".join([
        "# 通报", "", "依据《治安管理处罚法》[1] 第 26 条 (见附件)。若 a < b 且 c > d，则……", "",
        "- " * 20, "", "- 一级", "    - 二级", "        - 三级", "            1. 四级", "", "> 引用", "> > 二层引用", "",
        "* * * * * * * * * * * * * * * * * * * *", "", "[1]: 注释", "",
        "\n".join(f"{n}. 第{n}项" for n in range(1, 60)), "", "![微信图](https://mmbiz.qpic.cn/a.jpg)",
    ])
    html = content.render_html(body)
    assert "<li>三级" in html and "<li>四级</li>" in html and "a &lt; b" in html


@pytest.mark.parametrize("kind", ["GIF", "BMP", "JPEG", "PNG"])
def test_truncated_images_are_refused_when_converting(kind):
    data = _image(kind if kind != "GIF" else "GIF", (600, 600), noise=True)
    for cut in (data[: max(70 * 1024, len(data) // 2)], data[: len(data) - 100]):
        with pytest.raises(Invalid, match="损坏或不完整|无法识别"):
            check_cover(cut, convert=True)


def test_a_small_truncated_jpg_is_refused_too():
    data = _image("JPEG", (300, 200), noise=True)[:-2000]
    assert len(data) <= THUMB_MAX_BYTES
    with pytest.raises(Invalid, match="损坏或不完整"):
        check_cover(data)


class Balance(HTMLParser):
    VOID = {"img", "br"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


def test_a_finding_across_tags_is_marked_piece_by_piece_and_stays_well_formed():
    body = '王**小明**先生\n\n- 甲乙\n- 丙丁\n\n段落\n\n<span title="王小明">王小明</span>'

    def span(text: str, title: str, last: bool = False) -> Span:
        start = body.rindex(text) if last else body.index(text)
        return Span(start, start + len(text), title)

    spans = [span("王**小明", "姓名"), span("乙\n- 丙丁", "跨项"), span("王小明", "属性"), span("王小明", "文字", last=True)]
    html = render_highlighted(body, spans)
    assert '<mark class="finding" title="姓名">王</mark><strong><mark class="finding" title="姓名">小明</mark></strong>' in html
    assert '<li>甲<mark class="finding" title="跨项">乙</mark></li>' in html
    assert '<li><mark class="finding" title="跨项">丙丁</mark></li>' in html
    assert '<span title="王小明"><mark class="finding" title="文字">王小明</mark></span>' in html
    assert "\ue000" not in html and "\ue001" not in html and "属性" not in html
    checker = Balance()
    checker.feed(html)
    assert checker.ok and not checker.stack


def test_private_use_characters_in_the_body_cannot_forge_marks():
    html = render_highlighted("电话\ue000\U000f0000x\ue001 13812345678", [])
    assert "<mark" not in html


def _mpo(size=(320, 200)) -> bytes:
    """What a phone camera writes: a JPEG with a second image appended (Pillow reads it as MPO)."""
    frames = [Image.new("RGB", size, (200, 30, 30)), Image.new("RGB", (size[0] // 2, size[1] // 2), (30, 30, 200))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "MPO", save_all=True, append_images=frames[1:], quality=80)
    return buffer.getvalue()


def test_a_phone_camera_jpeg_is_accepted_as_a_plain_jpeg():
    data = _mpo()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    cover = check_cover(data)
    assert cover.mime == "image/jpeg" and cover.size <= THUMB_MAX_BYTES
    assert Image.open(io.BytesIO(cover.data)).format == "JPEG"


def test_a_cmyk_jpeg_is_re_encoded_as_rgb():
    buffer = io.BytesIO()
    Image.new("CMYK", (300, 200), (0, 255, 255, 0)).save(buffer, "JPEG", quality=80)
    cover = check_cover(buffer.getvalue())
    converted = Image.open(io.BytesIO(cover.data))
    assert cover.converted and converted.format == "JPEG" and converted.mode == "RGB"
    red, green, blue = converted.getpixel((150, 100))
    assert red > 200 and green < 60 and blue < 60  # still red


def test_a_decompression_bomb_is_called_too_large_not_unknown():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 million pixels in a few KB
    assert len(buffer.getvalue()) < UPLOAD_MAX_BYTES
    with pytest.raises(Invalid, match="像素太多"):
        check_cover(buffer.getvalue(), convert=True)
