"""Accuracy on conversations: follow-ups answered in the context of the turns before.

    .venv/bin/python bench/conversations_eval.py [bench/data/conversations_blind.tsv]

The file has a header and six columns: conv, turn, text, expected_guide, expected_section,
emergency. ``expected_guide`` is a guide id, or empty when the turn is about no guide
(small talk, an emergency); ``expected_section`` is one of materials / steps / time_limit /
fee / where, or empty; ``emergency`` is 1 when the reply must lead with the number to call.
Each conversation is answered turn by turn as the webhook answers one citizen
(``dialogue.respond`` with its context in memory; no time passes between turns).
"""
from __future__ import annotations

import csv
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wechat_bot.services import dialogue  # noqa: E402
from wechat_bot.services.guide_matching import choice_number  # noqa: E402
from wechat_bot.services.guides import Bureau, Catalogue, answer, help_menu  # noqa: E402
from wechat_bot.services.textnorm import normalize  # noqa: E402

DEFAULT_SET = ROOT / "bench" / "data" / "conversations_blind.tsv"
BUREAU = Bureau("略阳县公安局", "略阳公安", "略阳县示例路1号", "0000-0000000", "工作日 8:00-12:00，14:30-18:00")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def read_conversations(path: Path = DEFAULT_SET) -> dict[str, list[dict]]:
    convs: dict[str, list[dict]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not row.get("conv") or row["conv"].startswith("#"):
                continue
            convs[row["conv"]].append({
                "turn": int(row["turn"]),
                "text": row["text"] or "",
                "guide": (row.get("expected_guide") or "").strip() or None,
                "section": (row.get("expected_section") or "").strip() or None,
                "emergency": (row.get("emergency") or "0").strip() == "1",
            })
    for turns in convs.values():
        turns.sort(key=lambda t: t["turn"])
    return dict(convs)


def evaluate(path: Path = DEFAULT_SET) -> dict:
    catalogue = Catalogue.load()
    menu = help_menu(BUREAU)

    def ask(text, pending=()):
        return answer(catalogue, text, BUREAU, page_url=_url, pending_choices=pending)

    n = guide_ok = sec_n = sec_ok = emg_n = emg_ok = calm_n = false_emg = menu_live = 0
    errors: list[str] = []
    for conv, turns in read_conversations(path).items():
        memory = dialogue.LocalMemory()
        for t in turns:
            before = memory.recall()
            live = before is not None and before.guide_id is not None and before.live(NOW.timestamp())
            pending = memory.choices if choice_number(normalize(t["text"])) is not None else []
            got = dialogue.respond(ask, catalogue, BUREAU, _url, t["text"], memory, NOW, pending)
            if got.kind == "choice":
                memory.choices = list(got.candidates)
            n += 1
            if t["emergency"]:
                right = got.emergency
            elif t["guide"]:
                right = got.guide_id == t["guide"] and not got.emergency
            else:
                right = got.guide_id is None and not got.emergency
            guide_ok += right
            if t["section"]:
                sec_n += 1
                sec_ok += right and got.section == t["section"]
            if t["emergency"]:
                emg_n += 1
                emg_ok += got.emergency
            else:
                calm_n += 1
                false_emg += got.emergency
            if live and got.reply == menu:
                menu_live += 1
            wrong_section = t["section"] and got.section != t["section"]
            if not right or wrong_section or (live and got.reply == menu):
                want = "emergency" if t["emergency"] else (t["guide"] or "none")
                have = "emergency" if got.emergency else (got.guide_id or "none")
                errors.append(f"{conv}/{t['turn']}  want {want}/{t['section'] or '-'}  got {have}/{got.section or '-'}"
                              f"  {t['text']}")
    return {
        "turns": n,
        "conversations": len(read_conversations(path)),
        "guide_right": guide_ok / n if n else float("nan"),
        "section_turns": sec_n,
        "section_right": sec_ok / sec_n if sec_n else float("nan"),
        "emergency_turns": emg_n,
        "emergency_recall": emg_ok / emg_n if emg_n else float("nan"),
        "false_emergency": false_emg / calm_n if calm_n else float("nan"),
        "menu_while_live": menu_live,
        "errors": errors,
    }


def _url(guide_id: str) -> str:
    return f"https://bot.example.cn/g/{guide_id}"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SET
    r = evaluate(path)
    print(f"conversations: {r['conversations']}, turns: {r['turns']}, asking for a part: {r['section_turns']}, "
          f"emergency turns: {r['emergency_turns']}")
    print(f"{'metric':<52}{'value':>8}    target")
    print(f"{'guide right (of turns)':<52}{r['guide_right']:>8.3f}    ≥ 0.95")
    print(f"{'section right (of turns asking for one)':<52}{r['section_right']:>8.3f}    ≥ 0.90")
    print(f"{'emergency recall':<52}{r['emergency_recall']:>8.3f}       1.0")
    print(f"{'false emergencies (of non-emergency turns)':<52}{r['false_emergency']:>8.3f}")
    print(f"{'welcome menu while a context is live (turns)':<52}{r['menu_while_live']:>8d}         0")
    if r["errors"]:
        print(f"\nwrong ({len(r['errors'])}):")
        for line in r["errors"]:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
