"""The realistic message mix for the webhook benchmarks.

Citizens' questions are generated from the guides' own example questions, each
dressed with a varied greeting, place and ending, so the run asks thousands of
distinct texts (the matcher's memo cannot serve them all); 10 % are subscribe
events, 8 % numbered picks ("1", "第二个"), 8 % 人工 requests that write a
consultation record, from 100,000 distinct senders by default.
"""
from __future__ import annotations

import random
import tomllib
from pathlib import Path

GUIDES = Path(__file__).resolve().parent.parent / "wechat_bot" / "guides"

GREETINGS = ["", "你好，", "您好，", "请问", "请问一下，", "警官你好，", "麻烦问下，", "打扰了，", "同志你好，"]
PLACES = ["", "", "我在徐家坪镇，", "我是接官亭镇的，", "人在西安，", "我在兴州街道，", "我家在白水江镇，",
          "在外地打工，", "我是金家河的，", "孩子在汉中上学，"]
ENDINGS = ["", "", "？", "?", "，谢谢", "，急", "。", "，在线等", "，谢谢警官", "！"]
PICKS = ["1", "2", "第一个", "1", "3", "第二个"]
HUMAN = ["人工", "转人工", "人工客服", "我要找人工", "人工服务，{q}", "人工：{q}"]


def guide_examples() -> list[str]:
    examples: list[str] = []
    for path in sorted(GUIDES.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        examples.extend(str(e) for e in data.get("examples", []))
        examples.extend(str(a) for a in data.get("aliases", []))
    return examples


class Mix:
    """kind, openid and text of each request, reproducible from ``seed``."""

    def __init__(self, senders: int = 100_000, seed: int = 9) -> None:
        self.rng = random.Random(seed)
        self.senders = senders
        self.examples = guide_examples()

    def question(self) -> str:
        r = self.rng
        text = f"{r.choice(GREETINGS)}{r.choice(PLACES)}{r.choice(self.examples)}{r.choice(ENDINGS)}"
        if r.random() < 0.15:  # some ask with a number of their own in the text
            text += f"（{r.randint(2, 60)}岁）"
        return text

    def next(self) -> tuple[str, str, str]:
        """("text" | "subscribe", openid, text)."""
        r = self.rng
        openid = f"o_mix_{r.randrange(self.senders):06d}"
        roll = r.random()
        if roll < 0.10:
            return "subscribe", openid, ""
        if roll < 0.18:
            return "text", openid, r.choice(PICKS)
        if roll < 0.26:
            return "text", openid, r.choice(HUMAN).format(q=self.question())
        return "text", openid, self.question()


def distinct_questions(n: int = 20_000, seed: int = 9) -> int:
    """How many distinct texts ``n`` draws give (quoted in the bench note)."""
    mix = Mix(seed=seed)
    return len({mix.question() for _ in range(n)})
