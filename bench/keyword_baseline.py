"""The baseline: WeChat's built-in keyword auto-reply, as a county office would set it up.

One rule per guide with its keywords (the guide's title, its aliases, and the short words a
clerk would add); rules are tried in the order below and the first keyword found anywhere in
the text wins (WeChat's "半匹配"). No 繁简 conversion, no typo tolerance, no notion of urgency
beyond the words 报警/救命/110.
"""
from __future__ import annotations

from wechat_bot.services.guide_catalogue import Catalogue

# Rule order as an office would list them: emergency and staff first, then the 28 guides.
SHORT_KEYWORDS: dict[str, list[str]] = {
    "emergency": ["报警", "救命", "110"],
    "human": ["人工", "客服"],
    "idcard-first": ["首次申领", "办身份证"],
    "idcard-renew": ["身份证到期", "身份证过期", "换身份证"],
    "idcard-reissue": ["身份证丢", "补办身份证", "身份证补", "身份证挂失"],
    "idcard-temp": ["临时身份证"],
    "idcard-nonlocal": ["异地办证", "异地身份证", "跨省"],
    "birth-registration": ["出生", "新生儿"],
    "hukou-move-in": ["落户", "迁入"],
    "hukou-move-out": ["迁出", "迁移"],
    "hukou-book": ["户口本", "户口簿"],
    "hukou-cancel": ["注销户口", "死亡", "去世"],
    "hukou-change": ["改名", "更正", "变更"],
    "hukou-proof": ["户籍证明", "亲属关系"],
    "residence-permit": ["居住证", "暂住证"],
    "passport": ["护照"],
    "hk-macau": ["港澳", "香港", "澳门"],
    "taiwan": ["台湾"],
    "no-crime-proof": ["无犯罪"],
    "hotel-license": ["旅馆", "宾馆", "特种行业"],
    "fireworks": ["烟花", "爆竹", "焰火"],
    "guard-license": ["保安"],
    "toxic-chemical": ["剧毒", "危险化学品"],
    "license-renew": ["驾驶证", "驾照"],
    "vehicle-register": ["上牌", "号牌", "行驶证"],
    "traffic-violation": ["违章", "交通违法", "罚款"],
    "report-online": ["报案"],
    "anti-fraud": ["诈骗", "被骗"],
    "contact": ["地址", "电话", "办公时间"],
    "complaint": ["投诉", "举报"],
}


class KeywordBaseline:
    def __init__(self, catalogue: Catalogue):
        rules: list[tuple[str, str]] = []
        for target, words in SHORT_KEYWORDS.items():
            guide = catalogue.get(target)
            extra = [guide.title, *guide.aliases] if guide else []
            for word in [*words, *extra]:
                rules.append((word, target))
        self.rules = rules

    def reply_target(self, text: str) -> str | None:
        """The guide id (or "emergency" / "human") the first matching keyword points to."""
        for word, target in self.rules:
            if word in text:
                return target
        return None
