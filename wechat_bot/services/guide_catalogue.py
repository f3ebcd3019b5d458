"""The service-guide catalogue: one TOML file per guide plus menu.toml, read and checked.

Every problem is reported as "<file>: <field>: <reason>"; ``check_catalogue`` lists all
of them, ``Catalogue.load`` refuses to load a catalogue that has any.
"""
from __future__ import annotations

import datetime as dt
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wechat_bot.services.guide_sources import check_sources, source_rows

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "guides"
MENU_FILE = "menu.toml"
NOT_GUIDES = frozenset({MENU_FILE, "messages.toml", "lexicon.toml"})

AREAS = ("户政", "出入境", "治安", "交管", "其他")
# Menu CLICK keys the bot knows how to answer.
AREA_MENU_KEYS = {
    "GUIDES_HUZHENG": "户政",
    "GUIDES_CHURUJING": "出入境",
    "GUIDES_ZHIAN": "治安",
    "GUIDES_JIAOGUAN": "交管",
}
KNOWN_MENU_KEYS: frozenset[str] = frozenset(
    {*AREA_MENU_KEYS, "NEWS_LATEST", "CONSULT", "EMERGENCY", "CONTACT"}
)
MENU_TYPES_WITH_KEY = frozenset(
    {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album",
     "pic_weixin", "location_select"}
)

# WeChat's passive replies fail above about 2048 bytes (community-measured): stay below.
MAX_REPLY_BYTES = 2047
PLACEHOLDERS = frozenset({"name", "account_name", "address", "phone", "office_hours"})
# Numbers a guide may print itself; any other long digit run would be an invented phone number.
HOTLINES = frozenset({"110", "119", "120", "122", "12123", "12345", "12367", "12389", "96110"})
_DIGITS = re.compile(r"\d{5,}")
_FEE_END = "以窗口公示为准"

_STR_FIELDS = ("id", "title", "area", "summary", "time_limit", "fee", "where", "reviewed_by")
_LIST_FIELDS = ("aliases", "examples", "materials", "steps", "legal_basis", "notes", "related")
_MIN_ITEMS = {"aliases": 1, "examples": 3, "materials": 1, "steps": 1, "legal_basis": 1}
_ALL_FIELDS = frozenset({*_STR_FIELDS, *_LIST_FIELDS, "updated_on", "sources"})


class CatalogueError(Exception):
    """Bad catalogue data. ``problems`` holds every "<file>: <field>: <reason>" line."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
        super().__init__(problems[0] + more if problems else "catalogue error")


@dataclass(frozen=True)
class Bureau:
    name: str
    account_name: str
    address: str
    phone: str
    office_hours: str

    def placeholders(self) -> dict[str, str]:
        """Values for {name} {account_name} {address} {phone} {office_hours}; never empty."""
        return {
            "name": self.name or "略阳县公安局",
            "account_name": self.account_name or "略阳公安",
            "address": self.address or "以县公安局公布的地址为准",
            "phone": self.phone or "以县公安局公布的电话为准",
            "office_hours": self.office_hours or "以窗口公示的办公时间为准",
        }


@dataclass(frozen=True)
class Guide:
    id: str
    title: str
    area: str
    aliases: tuple[str, ...]
    examples: tuple[str, ...]
    summary: str
    materials: tuple[str, ...]
    steps: tuple[str, ...]
    time_limit: str
    fee: str
    where: str
    legal_basis: tuple[str, ...]
    notes: tuple[str, ...]
    related: tuple[str, ...]
    updated_on: dt.date
    reviewed_by: str
    # (what, source) pairs from the guide's [sources] table: fee, time limit, rules.
    sources: tuple[tuple[str, str], ...] = ()

    def filled(self, bureau: Bureau) -> "Guide":
        """A copy with the bureau's address, phone, hours and name put in the placeholders."""
        values = bureau.placeholders()

        def fill(text: str) -> str:
            return text.format_map(values)

        changes: dict[str, Any] = {}
        for name in ("summary", "time_limit", "fee", "where"):
            changes[name] = fill(getattr(self, name))
        for name in ("materials", "steps", "notes"):
            changes[name] = tuple(fill(x) for x in getattr(self, name))
        return Guide(**{**self.__dict__, **changes})


class Catalogue:
    """All guides and the menu, loaded once; the matching index is built at load."""

    def __init__(self, guides: list[Guide], menu: dict, directory: Path):
        self.directory = directory
        self.menu = menu
        self._guides = {g.id: g for g in guides}
        from wechat_bot.services.guide_matching import build_index  # avoids an import cycle

        self.index = build_index(guides)

    @classmethod
    def load(cls, directory: Path | None = None) -> "Catalogue":
        directory = Path(directory) if directory is not None else DEFAULT_DIR
        problems, guides, menu = _read(directory)
        if problems:
            raise CatalogueError(problems)
        return cls(guides, menu, directory)

    def get(self, guide_id: str) -> Guide | None:
        return self._guides.get(guide_id)

    def all(self) -> list[Guide]:
        return list(self._guides.values())

    def by_area(self, area: str) -> list[Guide]:
        return [g for g in self._guides.values() if g.area == area]

    def __len__(self) -> int:
        return len(self._guides)

    def __contains__(self, guide_id: object) -> bool:
        return guide_id in self._guides


def check_catalogue(directory: Path | None = None) -> list[str]:
    """Every problem in the catalogue as "<file>: <field>: <reason>"; [] when it is valid."""
    from wechat_bot.services.guide_lexicon import check_lexicon  # avoids an import cycle

    directory = Path(directory) if directory is not None else DEFAULT_DIR
    lexicon = directory / "lexicon.toml"
    return _read(directory)[0] + (check_lexicon(lexicon) if lexicon.exists() or directory == DEFAULT_DIR else [])


# --- rendering ------------------------------------------------------------------

def render_guide_reply(guide: Guide, bureau: Bureau, url: str) -> str:
    """The text reply for one guide: title, summary, materials, time, fee, where, link.

    Lists are shortened (and, last, the summary cut) so the text stays under 2048 bytes.
    """
    g = guide.filled(bureau)
    link = f"详情：{url}" if url else ""

    def build(n_materials: int, summary: str, where: str) -> str:
        parts = [f"【{g.title}】", summary]
        if n_materials:
            items = [f"{i}. {m}" for i, m in enumerate(g.materials[:n_materials], 1)]
            if n_materials < len(g.materials):
                items.append("……（完整清单见详情）")
            parts.append("所需材料：\n" + "\n".join(items))
        parts.append(f"办理时限：{g.time_limit}")
        parts.append(f"收费：{g.fee}")
        parts.append(f"办理地点：{where}")
        if link:
            parts.append(link)
        return "\n".join(parts)

    for n in range(len(g.materials), -1, -1):
        text = build(n, g.summary, g.where)
        if _fits(text):
            return text
    where = _cut(g.where, 120)
    text = build(0, g.summary, where)
    budget = 400
    while not _fits(text) and budget > 20:
        text = build(0, _cut(g.summary, budget), where)
        budget -= 40
    return text if _fits(text) else cut_bytes(text)


def _fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= MAX_REPLY_BYTES


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def cut_bytes(text: str, limit: int = MAX_REPLY_BYTES) -> str:
    """Last resort: cut at a character boundary below ``limit`` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


# A bureau with very long details and a long page address: the worst case a reply must fit.
WORST_BUREAU = Bureau(
    name="陕西省汉中市略阳县公安局（户政、出入境、交管、治安综合服务窗口）",
    account_name="略阳公安（略阳县公安局官方公众号）",
    address="陕西省汉中市略阳县兴州街道某某路某某号县公安局综合服务大厅一楼东侧户政出入境服务窗口（政务服务中心二楼公安窗口同时受理）",
    phone="0000-0000000（户政）、0000-0000000（出入境）、0000-0000000（交管）",
    office_hours="法定工作日 上午8:00—12:00，下午14:30—18:00（夏季下午15:00—18:30；节假日另行公告）",
)
WORST_URL = "https://wechat.example.gov.cn/lueyang-police/g/birth-registration?from=wechat&v=2024"


# --- reading and checking -------------------------------------------------------------

def _read(directory: Path) -> tuple[list[str], list[Guide], dict]:
    problems: list[str] = []
    guides: list[Guide] = []
    raws: dict[str, tuple[str, dict]] = {}  # id -> (file, raw)
    if not directory.is_dir():
        return [f"{directory}: -: 目录不存在"], [], {}
    for path in sorted(directory.glob("*.toml")):
        if path.name in NOT_GUIDES:
            continue
        raw = _load_toml(path, problems)
        if raw is None:
            continue
        before = len(problems)
        problems.extend(_check_guide(path.name, raw))
        gid = raw.get("id")
        if isinstance(gid, str):
            if gid in raws:
                problems.append(f"{path.name}: id: 与 {raws[gid][0]} 的 id 重复（{gid}）")
                continue
            raws[gid] = (path.name, raw)
        if len(problems) == before:
            guides.append(_to_guide(raw))
    if not raws and not problems:
        problems.append(f"{directory}: -: 没有任何办事指南文件")

    # links between guides
    for gid, (fname, raw) in raws.items():
        related = raw.get("related")
        if isinstance(related, list):
            for other in related:
                if other == gid:
                    problems.append(f"{fname}: related: 不能引用自身（{other}）")
                elif other not in raws:
                    problems.append(f"{fname}: related: 引用了不存在的指南 id（{other}）")

    # the same alias may lead to one guide only
    from wechat_bot.services.textnorm import normalize

    seen: dict[str, tuple[str, str]] = {}
    for gid, (fname, raw) in raws.items():
        for alias in raw.get("aliases") or []:
            if not isinstance(alias, str):
                continue
            key = normalize(alias)
            if key in seen and seen[key][0] != gid:
                problems.append(f"{fname}: aliases: 别名“{alias}”与 {seen[key][1]} 重复")
            else:
                seen.setdefault(key, (gid, fname))

    # every reply fits with long bureau details
    for guide in guides:
        text = render_guide_reply(guide, WORST_BUREAU, WORST_URL)
        size = len(text.encode("utf-8"))
        if size > MAX_REPLY_BYTES:
            problems.append(f"{guide.id}.toml: summary: 回复超过 2048 字节（{size}），请缩短摘要")

    menu: dict = {}
    menu_path = directory / MENU_FILE
    if menu_path.exists():
        menu = _load_toml(menu_path, problems) or {}
        problems.extend(_check_menu(MENU_FILE, menu))
    else:
        problems.append(f"{MENU_FILE}: -: 缺少菜单文件")
    return problems, guides, menu


def _load_toml(path: Path, problems: list[str]) -> dict | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append(f"{path.name}: -: 不是 UTF-8 编码")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path.name}: -: TOML 格式错误：{exc}")
    except OSError as exc:
        problems.append(f"{path.name}: -: 无法读取：{exc}")
    return None


def _check_guide(fname: str, raw: dict) -> list[str]:
    out: list[str] = []
    stem = fname[: -len(".toml")]
    for name in sorted(set(raw) - _ALL_FIELDS):
        out.append(f"{fname}: {name}: 未知字段")
    for name in _STR_FIELDS:
        value = raw.get(name)
        if value is None:
            out.append(f"{fname}: {name}: 缺少此字段")
        elif not isinstance(value, str) or not value.strip():
            out.append(f"{fname}: {name}: 应为非空文本")
    for name in _LIST_FIELDS:
        value = raw.get(name)
        if value is None:
            out.append(f"{fname}: {name}: 缺少此字段")
        elif not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
            out.append(f"{fname}: {name}: 应为文本列表（不能有空项）")
        elif len(value) < _MIN_ITEMS.get(name, 0):
            out.append(f"{fname}: {name}: 至少需要 {_MIN_ITEMS[name]} 项")
    updated = raw.get("updated_on")
    if updated is None:
        out.append(f"{fname}: updated_on: 缺少此字段")
    elif _as_date(updated) is None:
        out.append(f"{fname}: updated_on: 应为日期，如 2024-05-01")
    out.extend(check_sources(fname, raw))
    gid = raw.get("id")
    if isinstance(gid, str) and gid != stem:
        out.append(f"{fname}: id: 与文件名不一致（{gid}，应为 {stem}）")
    if isinstance(gid, str) and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", gid):
        out.append(f"{fname}: id: 只能用小写字母、数字和连字符")
    area = raw.get("area")
    if isinstance(area, str) and area not in AREAS:
        out.append(f"{fname}: area: 应为 {'/'.join(AREAS)} 之一（{area}）")
    fee = raw.get("fee")
    if isinstance(fee, str) and not fee.rstrip("。. ").endswith(_FEE_END):
        out.append(f"{fname}: fee: 应以“{_FEE_END}”结尾")
    summary = raw.get("summary")
    if isinstance(summary, str) and len(summary) > 220:
        out.append(f"{fname}: summary: 太长（{len(summary)} 字），摘要写 2–3 句")
    for name in ("title", "summary", "time_limit", "fee", "where", *_LIST_FIELDS):
        value = raw.get(name)
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if not isinstance(text, str):
                continue
            out.extend(f"{fname}: {name}: {p}" for p in _text_problems(text))
    return out


def _text_problems(text: str) -> list[str]:
    out = []
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        return [f"花括号不成对：{exc}"]
    for f in fields:
        if f not in PLACEHOLDERS:
            out.append(f"未知的占位符 {{{f}}}（可用：{', '.join(sorted(PLACEHOLDERS))}）")
    for number in _DIGITS.findall(text):
        if number not in HOTLINES:
            out.append(f"出现了电话号码样的数字 {number}：电话和地址只能用占位符 {{phone}} {{address}}")
    return out


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _to_guide(raw: dict) -> Guide:
    values: dict[str, Any] = {name: raw[name].strip() for name in _STR_FIELDS}
    for name in _LIST_FIELDS:
        values[name] = tuple(x.strip() for x in raw[name])
    values["updated_on"] = _as_date(raw["updated_on"])
    values["sources"] = source_rows(raw)
    return Guide(**values)


def _check_menu(fname: str, menu: dict) -> list[str]:
    out: list[str] = []
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not buttons:
        return [f"{fname}: button: 至少需要 1 个一级菜单"]
    if len(buttons) > 3:
        out.append(f"{fname}: button: 一级菜单最多 3 个（现有 {len(buttons)} 个）")
    keys: set[str] = set()
    for i, button in enumerate(buttons, 1):
        where = f"button[{i}]"
        if not isinstance(button, dict):
            out.append(f"{fname}: {where}: 应为表")
            continue
        out.extend(_check_menu_name(fname, where, button, 16))
        subs = button.get("sub_button")
        if subs is not None:
            if not isinstance(subs, list) or not subs:
                out.append(f"{fname}: {where}.sub_button: 应为非空列表")
                continue
            if len(subs) > 5:
                out.append(f"{fname}: {where}.sub_button: 二级菜单最多 5 个（现有 {len(subs)} 个）")
            for j, sub in enumerate(subs, 1):
                sub_where = f"{where}.sub_button[{j}]"
                if not isinstance(sub, dict):
                    out.append(f"{fname}: {sub_where}: 应为表")
                    continue
                out.extend(_check_menu_name(fname, sub_where, sub, 60))
                out.extend(_check_menu_action(fname, sub_where, sub, keys))
        else:
            out.extend(_check_menu_action(fname, where, button, keys))
    return out


def _check_menu_name(fname: str, where: str, button: dict, limit: int) -> list[str]:
    name = button.get("name")
    if not isinstance(name, str) or not name.strip():
        return [f"{fname}: {where}.name: 缺少菜单名称"]
    size = len(name.encode("utf-8"))
    if size > limit:
        return [f"{fname}: {where}.name: “{name}”超过 {limit} 字节（{size}）"]
    return []


def _check_menu_action(fname: str, where: str, button: dict, keys: set[str]) -> list[str]:
    kind = button.get("type")
    if kind in MENU_TYPES_WITH_KEY:
        key = button.get("key")
        if not isinstance(key, str) or not key:
            return [f"{fname}: {where}.key: 缺少 key"]
        if key not in KNOWN_MENU_KEYS:
            return [f"{fname}: {where}.key: 未知的菜单 key（{key}），可用：{', '.join(sorted(KNOWN_MENU_KEYS))}"]
        if key in keys:
            return [f"{fname}: {where}.key: 重复的 key（{key}）"]
        keys.add(key)
        return []
    if kind == "view":
        url = button.get("url")
        if not isinstance(url, str) or not re.match(r"https?://", url):
            return [f"{fname}: {where}.url: view 菜单需要 http(s) 链接"]
        return []
    if kind is None:
        return [f"{fname}: {where}.type: 缺少 type（无子菜单的按钮需要 type）"]
    return [f"{fname}: {where}.type: 不支持的菜单类型（{kind}）"]
