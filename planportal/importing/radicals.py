"""What a reader sees for the radical code points that PDF text layers of Chinese documents carry.

Many Chinese PDFs (Word/WPS exports with subset fonts) map glyphs of ordinary characters to the
Kangxi Radicals block (U+2F00–U+2FDF, ⼈ U+2F08) or the CJK Radicals Supplement (U+2E80–U+2EFF,
⺠ U+2EA0): the page shows 人民, the text layer says ⼈⺠, and search for 人民 finds nothing.

NFKC maps every Kangxi radical to its unified ideograph. The Radicals Supplement has no
compatibility decomposition, so the table below supplies it: it follows Unicode's
EquivalentUnifiedIdeograph.txt (UCD), limited to the supplement radicals whose equivalent is a
whole character a text can contain (民, 长, 门, 见 …). Component-only forms (⺅ 亻, ⺡ 氵 …) are
left as they are: a reader never sees them standing alone as a word.
"""

import unicodedata

KANGXI_RADICALS = range(0x2F00, 0x2FE0)

# CJK Radicals Supplement → unified ideograph (UCD EquivalentUnifiedIdeograph.txt).
RADICALS_SUPPLEMENT = {
    "\u2e8c": "小",
    "\u2e8d": "小",
    "\u2e92": "巳",
    "\u2e93": "幺",
    "\u2e97": "心",
    "\u2e9c": "日",
    "\u2e9d": "月",
    "\u2e9f": "母",
    "\u2ea0": "民",
    "\u2ea7": "牛",
    "\u2ea9": "王",
    "\u2eac": "示",
    "\u2eb3": "网",
    "\u2eb6": "羊",
    "\u2eb7": "羊",
    "\u2ebb": "聿",
    "\u2ebc": "肉",
    "\u2ebd": "臼",
    "\u2ec1": "虎",
    "\u2ec4": "西",
    "\u2ec5": "见",
    "\u2ec6": "角",
    "\u2ec9": "贝",
    "\u2eca": "足",
    "\u2ecb": "车",
    "\u2ed1": "長",
    "\u2ed3": "长",
    "\u2ed4": "门",
    "\u2ed7": "雨",
    "\u2ed8": "青",
    "\u2ed9": "韦",
    "\u2eda": "页",
    "\u2edb": "风",
    "\u2edc": "飞",
    "\u2edd": "食",
    "\u2ee2": "马",
    "\u2ee3": "骨",
    "\u2ee4": "鬼",
    "\u2ee5": "鱼",
    "\u2ee6": "鸟",
    "\u2ee7": "卤",
    "\u2ee8": "麦",
    "\u2ee9": "黄",
    "\u2eea": "黾",
    "\u2eec": "齐",
    "\u2eee": "齿",
    "\u2eef": "竜",
    "\u2ef0": "龙",
    "\u2ef2": "亀",
    "\u2ef3": "龟",
}

_SUPPLEMENT_TABLE = str.maketrans(RADICALS_SUPPLEMENT)


def as_read(text: str) -> str:
    """The text with radical code points replaced by the characters a reader sees.

    Only the radicals are touched (not the whole text through NFKC), so full-width punctuation
    and digits stay exactly as the document has them.
    """
    text = text.translate(_SUPPLEMENT_TABLE)
    if not any(ord(char) in KANGXI_RADICALS for char in text):
        return text
    return "".join(
        unicodedata.normalize("NFKC", char) if ord(char) in KANGXI_RADICALS else char
        for char in text
    )
