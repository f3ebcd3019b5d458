"""Cover images: WeChat's permanent ``thumb`` must be a JPG of at most 64 KB.

``check_cover`` accepts a file that already fits; anything else is refused
with what is wrong, unless the caller asks to ``convert``: then Pillow turns it
into a JPG (flattening transparency on white) and shrinks quality, then size,
until it fits.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from ..errors import Invalid

THUMB_MAX_BYTES = 64 * 1024
UPLOAD_MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000
LONG_SIDE = 900  # WeChat shows covers at most 900 px wide
# MPO is what phone cameras write: a JPEG with a second, smaller image appended.
FORMATS = {"JPEG": "JPG", "MPO": "JPG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WEBP", "BMP": "BMP"}
TOO_MANY_PIXELS = "图片像素太多（{}），请缩小到 2500 万像素以内再上传"


@dataclass(frozen=True)
class Cover:
    data: bytes
    mime: str
    width: int
    height: int
    converted: bool

    @property
    def size(self) -> int:
        return len(self.data)


def _kb(n: int) -> str:
    return f"{n / 1024:.0f}KB" if n >= 1024 else f"{n}B"


def check_cover(data: bytes, *, convert: bool = False) -> Cover:
    if not data:
        raise Invalid("没有收到图片文件")
    if len(data) > UPLOAD_MAX_BYTES:
        raise Invalid(f"图片太大（{_kb(len(data))}），请上传 2MB 以内的图片")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            width, height = probe.size
            mode = probe.mode
            probe.verify()
    except Image.DecompressionBombError:
        # A small file that declares a huge canvas (a "decompression bomb"): too big, not unknown.
        raise Invalid(TOO_MANY_PIXELS.format("超过 1 亿")) from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise Invalid("无法识别的图片文件，请上传 JPG 或 PNG 图片") from None
    if kind not in FORMATS:
        raise Invalid(f"不支持的图片格式 {kind or '未知'}，请上传 JPG 或 PNG 图片")
    if width * height > MAX_PIXELS:
        raise Invalid(TOO_MANY_PIXELS.format(f"{width}×{height}"))
    jpeg = FORMATS[kind] == "JPG"
    if jpeg and len(data) <= THUMB_MAX_BYTES:
        image = _decode(data)  # verify() reads the headers only: a truncated file fails here
        if kind == "JPEG" and mode in ("RGB", "L"):
            return Cover(data, "image/jpeg", width, height, converted=False)
        # A phone's MPO, or a CMYK/YCCK JPEG (print software): phones and WeChat show
        # CMYK wrongly or not at all, so it is re-encoded as a plain RGB JPEG.
        return _shrink(image)
    if not convert:
        problems = []
        if not jpeg:
            problems.append(f"格式为 {FORMATS[kind]}")
        if len(data) > THUMB_MAX_BYTES:
            problems.append(f"大小为 {_kb(len(data))}")
        raise Invalid(
            f"微信封面须为 JPG 且不超过 64KB，这张图片{'、'.join(problems)}。"
            "可勾选“自动转换为 JPG 并压缩”后重新上传"
        )
    return _shrink(_decode(data))


def _decode(data: bytes) -> Image.Image:
    """Every pixel of the (first frame of the) image, as RGB or RGBA."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.seek(0)
            return source.convert("RGBA") if _has_alpha(source) else source.convert("RGB")
    except Image.DecompressionBombError:
        raise Invalid(TOO_MANY_PIXELS.format("超过 1 亿")) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise Invalid("图片文件已损坏或不完整，无法读取，请重新导出后再上传") from None


def _shrink(image: Image.Image) -> Cover:
    if image.mode == "RGBA":
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    if max(image.size) > LONG_SIDE:
        image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    while True:
        for quality in (85, 75, 65, 55, 45, 35):
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
            if buffer.tell() <= THUMB_MAX_BYTES:
                return Cover(buffer.getvalue(), "image/jpeg", image.width, image.height, converted=True)
        if max(image.size) <= 64:
            raise Invalid("图片无法压缩到 64KB 以内，请换一张图片")
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)), Image.Resampling.LANCZOS)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
