"""The blind conversation set (bench/data/conversations_blind.tsv, written by someone who had not
read the matcher): the figures reached after the fixes, kept as a regression floor."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_eval():
    spec = importlib.util.spec_from_file_location("conversations_eval", ROOT / "bench" / "conversations_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_blind_conversation_set_keeps_its_figures():
    module = _load_eval()
    path = ROOT / "bench" / "data" / "conversations_blind.tsv"
    convs = module.read_conversations(path)
    assert sum(len(t) for t in convs.values()) >= 150
    r = module.evaluate(path)
    assert r["guide_right"] >= 0.98, r["errors"]       # 0.981 measured (before the fixes: 0.838)
    assert r["section_right"] >= 0.95, r["errors"]     # 0.957 measured (before: 0.723)
    assert r["emergency_recall"] == 1.0, r["errors"]   # before: 0.750
    assert r["false_emergency"] == 0.0, r["errors"]    # before: 0.009
    assert r["menu_while_live"] == 0, r["errors"]
