"""Accuracy of the privacy scan on a labelled set of notice sentences. Run by hand:

    python bench/privacy_eval.py [bench/data/privacy.tsv]

Each row is `expected_kinds<TAB>text`; expected_kinds is a comma-separated list of
kinds, repeated when a sentence holds two of a kind, empty for a clean sentence.
Prints per-kind recall and precision and the false alarms on clean sentences; exits 1
when a must-catch kind (ID, mobile, bank card) is missed or a clean sentence is flagged.
Then the time one scan of a 5,000-character notice takes, a notice made of the set's own
sentences (the console scans a notice on every preview and review page).
"""
from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wechat_bot.services.privacy import KIND_LABELS, scan  # noqa: E402

DEFAULT_TSV = ROOT / "bench" / "data" / "privacy.tsv"
MUST_CATCH = ("id_number", "mobile", "bank_card")


@dataclass(frozen=True)
class Row:
    line: int
    expected: Counter
    text: str


@dataclass
class Evaluation:
    true_pos: Counter = field(default_factory=Counter)
    false_pos: Counter = field(default_factory=Counter)
    false_neg: Counter = field(default_factory=Counter)
    rows: int = 0
    clean_rows: int = 0
    # (line, text, kinds found) for every clean sentence that was flagged
    false_alarms: list[tuple[int, str, list[str]]] = field(default_factory=list)
    # (line, text, expected, found) for every row whose kinds differ
    mismatches: list[tuple[int, str, Counter, Counter]] = field(default_factory=list)

    def recall(self, kind: str) -> float | None:
        expected = self.true_pos[kind] + self.false_neg[kind]
        return self.true_pos[kind] / expected if expected else None

    def precision(self, kind: str) -> float | None:
        found = self.true_pos[kind] + self.false_pos[kind]
        return self.true_pos[kind] / found if found else None

    def overall(self) -> tuple[float, float]:
        tp = sum(self.true_pos.values())
        fp = sum(self.false_pos.values())
        fn = sum(self.false_neg.values())
        return tp / (tp + fn) if tp + fn else 1.0, tp / (tp + fp) if tp + fp else 1.0

    @property
    def passed(self) -> bool:
        missed = any(self.false_neg[kind] for kind in MUST_CATCH)
        return not missed and not self.false_alarms


def load_rows(path: Path = DEFAULT_TSV) -> list[Row]:
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith(("#", "expected_kinds\t")):
            continue
        kinds, sep, text = line.partition("\t")
        if not sep:
            raise ValueError(f"{path}:{number}: expected kinds<TAB>text")
        expected = Counter(k.strip() for k in kinds.split(",") if k.strip())
        unknown = set(expected) - set(KIND_LABELS)
        if unknown:
            raise ValueError(f"{path}:{number}: unknown kinds {sorted(unknown)}")
        rows.append(Row(number, expected, text))
    return rows


def evaluate(rows: list[Row]) -> Evaluation:
    ev = Evaluation()
    for row in rows:
        found = Counter(f.kind for f in scan(row.text))
        ev.rows += 1
        for kind in set(found) | set(row.expected):
            hit = min(found[kind], row.expected[kind])
            ev.true_pos[kind] += hit
            ev.false_pos[kind] += found[kind] - hit
            ev.false_neg[kind] += row.expected[kind] - hit
        if not row.expected:
            ev.clean_rows += 1
            if found:
                ev.false_alarms.append((row.line, row.text, sorted(found.elements())))
        if found != row.expected:
            ev.mismatches.append((row.line, row.text, row.expected, found))
    return ev


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


_COLUMNS = "{:<15}{:>9}{:>7}{:>5}{:>5}{:>5}{:>9}{:>11}"


def format_report(ev: Evaluation) -> str:
    head = ("kind", "expected", "found", "tp", "fp", "fn", "recall", "precision")
    lines = [_COLUMNS.format(*head)]
    for kind in KIND_LABELS:
        tp, fp, fn = ev.true_pos[kind], ev.false_pos[kind], ev.false_neg[kind]
        recall, precision = _percent(ev.recall(kind)), _percent(ev.precision(kind))
        row = (kind, tp + fn, tp + fp, tp, fp, fn, recall, precision)
        lines.append(_COLUMNS.format(*row))
    recall, precision = ev.overall()
    tp, fp, fn = (sum(c.values()) for c in (ev.true_pos, ev.false_pos, ev.false_neg))
    lines.append(_COLUMNS.format(
        "overall", tp + fn, tp + fp, tp, fp, fn, _percent(recall), _percent(precision)
    ))
    lines.append("")
    lines.append(
        f"rows: {ev.rows}; clean rows: {ev.clean_rows}; "
        f"false alarms on clean rows: {len(ev.false_alarms)}"
    )
    for line, text, expected, found in ev.mismatches:
        lines.append(
            f"  line {line}: expected {sorted(expected.elements())} "
            f"found {sorted(found.elements())}: {text}"
        )
    if ev.passed:
        lines.append("PASS")
    else:
        lines.append(f"FAIL: {', '.join(MUST_CATCH)} must reach 100% recall "
                     "and no clean row may be flagged")
    return "\n".join(lines)


def scan_times(rows: list[Row], length: int = 5000, runs: int = 20) -> list[float]:
    """Seconds per ``scan`` of a ``length``-character notice made of the rows' sentences,
    each run a different stretch of them (so no run scans the text the last one did)."""
    sentences = "\n".join(row.text for row in rows)
    sentences = sentences * (length * 2 // len(sentences) + 2)
    scan(sentences[:length])  # the first scan loads OpenCC's table
    times = []
    for run in range(runs):
        start = run * len(sentences) // (2 * runs)
        notice = sentences[start:start + length]
        began = time.perf_counter()
        scan(notice)
        times.append(time.perf_counter() - began)
    return times


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    rows = load_rows(Path(args[0]) if args else DEFAULT_TSV)
    ev = evaluate(rows)
    print(format_report(ev))
    times = scan_times(rows)
    print(f"scan of a 5,000-character notice: best {min(times) * 1000:.1f} ms, "
          f"median {statistics.median(times) * 1000:.1f} ms over {len(times)} notices")
    return 0 if ev.passed else 1


if __name__ == "__main__":
    sys.exit(main())
