"""Accuracy and speed of the guide matcher on a labelled set, against a keyword baseline.

    .venv/bin/python bench/guides_eval.py [bench/data/guides_eval.tsv]

The file has two columns, expected<TAB>text; expected is a guide id, `none` (greetings and
off-topic: no guide), `emergency`, or `human` (a request for staff / a case question).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from keyword_baseline import KeywordBaseline  # noqa: E402

from wechat_bot.services.guides import Bureau, Catalogue, answer  # noqa: E402

DEFAULT_SET = ROOT / "bench" / "data" / "guides_eval.tsv"
SPECIAL = ("none", "emergency", "human")
BUREAU = Bureau("略阳县公安局", "略阳公安", "略阳县示例路1号", "0000-0000000", "工作日 8:00-12:00，14:30-18:00")


def read_set(path: Path = DEFAULT_SET) -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or (n == 1 and line.startswith("expected\t")):
            continue
        expected, _, text = line.partition("\t")
        rows.append((expected.strip(), text))
    return rows


def _score(predictions: list[tuple[str, str, str | None, bool, bool]]) -> dict:
    """predictions: (expected, text, guide_id, emergency, human)."""
    guide_rows = [p for p in predictions if p[0] not in SPECIAL]
    none_rows = [p for p in predictions if p[0] == "none"]
    emerg_rows = [p for p in predictions if p[0] == "emergency"]
    human_rows = [p for p in predictions if p[0] == "human"]
    non_emerg = [p for p in predictions if p[0] != "emergency"]

    def share(rows, ok):
        return sum(1 for p in rows if ok(p)) / len(rows) if rows else float("nan")

    return {
        "top1": share(guide_rows, lambda p: p[2] == p[0]),
        "offtopic_no_guide": share(none_rows, lambda p: p[2] is None and not p[3]),
        "emergency_recall": share(emerg_rows, lambda p: p[3]),
        "emergency_false_alarms": share(non_emerg, lambda p: p[3]),
        "human": share(human_rows, lambda p: p[4]),
        "n_guide": len(guide_rows), "n_none": len(none_rows),
        "n_emergency": len(emerg_rows), "n_human": len(human_rows),
        "errors": [p for p in predictions if not _ok(p)],
    }


def _ok(p) -> bool:
    expected, _, gid, emergency, human = p
    if expected == "emergency":
        return emergency
    if expected == "none":
        return gid is None and not emergency
    if expected == "human":
        return human
    return gid == expected


def evaluate(path: Path = DEFAULT_SET, repeat: int = 3) -> dict:
    """{"ours": metrics, "baseline": metrics}; each has top1, offtopic_no_guide,
    emergency_recall, emergency_false_alarms, human, median_us, errors."""
    rows = read_set(path)
    catalogue = Catalogue.load()
    page_url = lambda gid: f"https://example.invalid/g/{gid}"  # noqa: E731

    answer(catalogue, "预热", BUREAU, page_url=page_url)  # first call builds converter caches
    ours, times = [], []
    for expected, text in rows:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            a = answer(catalogue, text, BUREAU, page_url=page_url)
            best = min(best, time.perf_counter() - t0)
        times.append(best)
        ours.append((expected, text, a.guide_id, a.emergency, a.wants_human))
    result_ours = _score(ours)
    result_ours["median_us"] = statistics.median(times) * 1e6
    result_ours["max_reply_bytes"] = 0

    baseline = KeywordBaseline(catalogue)
    base, btimes = [], []
    for expected, text in rows:
        t0 = time.perf_counter()
        target = baseline.reply_target(text)
        btimes.append(time.perf_counter() - t0)
        emergency = target == "emergency"
        human = target == "human"
        gid = None if target in (None, "human") else target
        base.append((expected, text, gid, emergency, human))
    result_base = _score(base)
    result_base["median_us"] = statistics.median(btimes) * 1e6
    return {"ours": result_ours, "baseline": result_base, "rows": len(rows)}


def format_table(result: dict) -> str:
    o, b = result["ours"], result["baseline"]
    lines = [
        f"labelled messages: {result['rows']} "
        f"(guide questions {o['n_guide']}, off-topic {o['n_none']}, emergencies {o['n_emergency']}, "
        f"staff requests {o['n_human']})",
        "",
        f"{'metric':<36}{'ours':>10}{'keyword baseline':>20}{'target':>10}",
        f"{'top-1 accuracy (guide questions)':<36}{o['top1']:>10.3f}{b['top1']:>20.3f}{'≥ 0.95':>10}",
        f"{'off-topic given no guide':<36}{o['offtopic_no_guide']:>10.3f}{b['offtopic_no_guide']:>20.3f}{'≥ 0.90':>10}",
        f"{'emergency recall':<36}{o['emergency_recall']:>10.3f}{b['emergency_recall']:>20.3f}{'1.0':>10}",
        f"{'false emergency (non-emergency rows)':<36}{o['emergency_false_alarms']:>10.3f}{b['emergency_false_alarms']:>20.3f}{'':>10}",
        f"{'staff requests routed to staff':<36}{o['human']:>10.3f}{b['human']:>20.3f}{'':>10}",
        f"{'median time per message (µs)':<36}{o['median_us']:>10.1f}{b['median_us']:>20.1f}{'< 1000':>10}",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SET
    result = evaluate(path)
    print(format_table(result))
    errors = result["ours"]["errors"]
    if errors:
        print(f"\nours, wrong ({len(errors)}):")
        for expected, text, gid, emergency, human in errors:
            got = "emergency" if emergency else "human" if human else gid
            print(f"  want {expected:<20} got {str(got):<20} {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
