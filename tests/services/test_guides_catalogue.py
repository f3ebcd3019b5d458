"""The guide catalogue: every contract id is there and complete, and bad data is caught."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from wechat_bot.services.guide_catalogue import (
    AREAS,
    DEFAULT_DIR,
    KNOWN_MENU_KEYS,
    WORST_BUREAU,
    WORST_URL,
    Bureau,
    Catalogue,
    CatalogueError,
    check_catalogue,
    render_guide_reply,
)

CONTRACT_IDS = {
    "户政": ["idcard-first", "idcard-renew", "idcard-reissue", "idcard-temp", "idcard-nonlocal",
           "birth-registration", "hukou-move-in", "hukou-move-out", "hukou-book", "hukou-cancel",
           "hukou-change", "hukou-proof", "residence-permit"],
    "出入境": ["passport", "hk-macau", "taiwan"],
    "治安": ["no-crime-proof", "hotel-license", "fireworks", "guard-license", "toxic-chemical"],
    "交管": ["license-renew", "vehicle-register", "traffic-violation"],
    "其他": ["report-online", "anti-fraud", "contact", "complaint"],
}
ALL_IDS = [gid for ids in CONTRACT_IDS.values() for gid in ids]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def test_shipped_catalogue_is_valid():
    assert check_catalogue() == []


@pytest.mark.parametrize("guide_id", ALL_IDS)
def test_every_contract_guide_is_present_and_complete(catalogue, guide_id):
    guide = catalogue.get(guide_id)
    assert guide is not None, guide_id
    area = next(a for a, ids in CONTRACT_IDS.items() if guide_id in ids)
    assert guide.area == area
    for name in ("title", "summary", "time_limit", "fee", "where", "reviewed_by"):
        assert getattr(guide, name).strip(), name
    for name in ("aliases", "materials", "steps", "legal_basis"):
        assert getattr(guide, name), name
    assert len(guide.examples) >= 3
    assert guide.fee.rstrip("。").endswith("以窗口公示为准")
    assert all(catalogue.get(r) is not None for r in guide.related)


def test_lookup_api(catalogue):
    assert len(catalogue.all()) >= 28
    assert {g.id for g in catalogue.by_area("出入境")} >= {"passport", "hk-macau", "taiwan"}
    assert all(g.area in AREAS for g in catalogue.all())
    assert catalogue.get("no-such-guide") is None


def test_traffic_guides_name_the_right_office(catalogue):
    assert "车管所" in catalogue.get("license-renew").where
    assert "车管所" in catalogue.get("vehicle-register").where
    assert "交警大队" in catalogue.get("traffic-violation").where


def test_no_invented_phone_numbers_or_addresses(catalogue):
    """Phones and addresses only come from the bureau placeholders."""
    for guide in catalogue.all():
        texts = [guide.summary, guide.where, guide.fee, guide.time_limit,
                 *guide.materials, *guide.steps, *guide.notes]
        for text in texts:
            for number in re.findall(r"\d{5,}", text):
                assert number in {"12123", "12345", "12367", "12389", "96110"}, (guide.id, number)
    assert "{phone}" in catalogue.get("contact").where or "{phone}" in catalogue.get("contact").summary


def test_placeholders_are_filled_from_the_bureau(catalogue):
    bureau = Bureau("略阳县公安局", "略阳公安", "测试路9号", "0000-1111111", "周一至周五")
    reply = render_guide_reply(catalogue.get("contact"), bureau, "https://x.invalid/g/contact")
    assert "测试路9号" in reply and "0000-1111111" in reply and "周一至周五" in reply
    assert "{" not in reply
    empty = Bureau("", "", "", "", "")
    assert "{" not in render_guide_reply(catalogue.get("contact"), empty, "")


def test_every_reply_fits_with_long_bureau_details(catalogue):
    for guide in catalogue.all():
        reply = render_guide_reply(guide, WORST_BUREAU, WORST_URL)
        assert len(reply.encode("utf-8")) < 2048, guide.id
        assert reply.startswith(f"【{guide.title}】")
        assert reply.endswith(f"详情：{WORST_URL}")


def test_menu_shape(catalogue):
    buttons = catalogue.menu["button"]
    assert [b["name"] for b in buttons] == ["办事指南", "警务公开", "警民互动"]
    keys = [s["key"] for b in buttons for s in b.get("sub_button", [])]
    assert keys == ["GUIDES_HUZHENG", "GUIDES_CHURUJING", "GUIDES_ZHIAN", "GUIDES_JIAOGUAN",
                    "NEWS_LATEST", "CONSULT", "EMERGENCY", "CONTACT"]
    assert set(keys) <= KNOWN_MENU_KEYS
    for b in buttons:
        assert len(b["name"].encode()) <= 16
        assert len(b["sub_button"]) <= 5
        assert all(len(s["name"].encode()) <= 60 for s in b["sub_button"])


# --- broken copies ------------------------------------------------------------------

@pytest.fixture
def copy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "guides"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _has(problems: list[str], file: str, field: str) -> bool:
    return any(p.startswith(f"{file}: {field}") for p in problems)


def test_missing_field_is_reported_with_file_and_field(copy_dir):
    path = copy_dir / "passport.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^fee = .*\n", "", text), encoding="utf-8")
    problems = check_catalogue(copy_dir)
    assert _has(problems, "passport.toml", "fee"), problems
    with pytest.raises(CatalogueError) as err:
        Catalogue.load(copy_dir)
    assert "passport.toml: fee" in str(err.value)


def test_duplicate_id_is_reported(copy_dir):
    shutil.copy(copy_dir / "taiwan.toml", copy_dir / "taiwan-2.toml")
    problems = check_catalogue(copy_dir)
    assert _has(problems, "taiwan.toml", "id") or _has(problems, "taiwan-2.toml", "id"), problems
    assert any("重复" in p for p in problems)


def test_id_must_match_file_name(copy_dir):
    (copy_dir / "passport.toml").rename(copy_dir / "passports.toml")
    problems = check_catalogue(copy_dir)
    assert _has(problems, "passports.toml", "id"), problems


def test_dangling_related_id_is_reported(copy_dir):
    _edit(copy_dir / "hk-macau.toml", 'related = ["passport", "taiwan"]',
          'related = ["passport", "macau-visa"]')
    problems = check_catalogue(copy_dir)
    assert _has(problems, "hk-macau.toml", "related"), problems
    assert any("macau-visa" in p for p in problems)


def test_unknown_menu_key_is_reported(copy_dir):
    _edit(copy_dir / "menu.toml", 'key = "CONTACT"', 'key = "CONTACT_US"')
    problems = check_catalogue(copy_dir)
    assert any(p.startswith("menu.toml: button[3].sub_button[3].key") for p in problems), problems
    with pytest.raises(CatalogueError):
        Catalogue.load(copy_dir)


def test_menu_size_limits_are_checked(copy_dir):
    extra = '\n[[button]]\nname = "第四个菜单太长了"\ntype = "click"\nkey = "NEWS_LATEST"\n'
    with (copy_dir / "menu.toml").open("a", encoding="utf-8") as f:
        f.write(extra)
    problems = check_catalogue(copy_dir)
    assert any("最多 3 个" in p for p in problems), problems
    assert any(p.startswith("menu.toml: button[4].name") for p in problems), problems


def test_duplicate_alias_across_guides_is_reported(copy_dir):
    _edit(copy_dir / "taiwan.toml", 'aliases = ["台湾通行证",', 'aliases = ["护照", "台湾通行证",')
    problems = check_catalogue(copy_dir)
    assert _has(problems, "taiwan.toml", "aliases") or _has(problems, "passport.toml", "aliases"), problems


def test_invented_phone_number_and_bad_fee_are_reported(copy_dir):
    _edit(copy_dir / "guard-license.toml", 'where = "县公安局治安部门', 'where = "电话 0916-4821234，县公安局治安部门')
    _edit(copy_dir / "guard-license.toml", "。以窗口公示为准", "。")
    problems = check_catalogue(copy_dir)
    assert _has(problems, "guard-license.toml", "where"), problems
    assert _has(problems, "guard-license.toml", "fee"), problems


def test_unknown_placeholder_and_bad_toml(copy_dir):
    _edit(copy_dir / "contact.toml", 'where = "{address}', 'where = "{street}')
    (copy_dir / "broken.toml").write_text('id = "broken"\ntitle = ', encoding="utf-8")
    problems = check_catalogue(copy_dir)
    assert _has(problems, "contact.toml", "where"), problems
    assert _has(problems, "broken.toml", "-"), problems
