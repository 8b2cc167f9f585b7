"""The comparable units of a block list: its sentences, in reading order.

A unit is a sentence of a paragraph, heading or caption, or of one list item. Sentences end
after 。！？； (or ASCII !?; .), and a closing quote or bracket right after the end mark stays
with its sentence, as does the whitespace after it: the units of a block, joined, give back
its text exactly, so a page can print an unchanged sentence as it is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Closing quotes and brackets that belong to the sentence they follow: 他说：“好。”下一句。
_CLOSERS = "”’」』）)\\]】》〉\"'"

# ASCII end marks are also part of numbers, file names and 1.2-style numbering, so they only
# end a sentence where a sentence could end: "." before whitespace or the end of the text;
# "!?;" also before a Chinese character (提出宝贵意见!谢谢).
_SENTENCE_END = re.compile(
    rf"[。！？；]+[{_CLOSERS}]*\s*"
    rf"|[!?;]+[{_CLOSERS}]*(?:\s+|$|(?=[^\x00-\x7f]))"
    rf"|\.+[{_CLOSERS}]*(?:\s+|$)"
)

KIND_LIST_ITEM = "list item"


@dataclass(frozen=True, slots=True)
class Unit:
    """One sentence; ``block`` is its block's index in the list, ``item`` its list item's."""

    text: str
    block: int
    kind: str  # "paragraph", "heading", "caption", "list item" (or an unknown block's type)
    item: int | None = None

    @property
    def plain(self) -> str:
        """The wording that is compared: without **bold** marks, which are emphasis, not text
        (a bold pair may also span two sentences, so every mark goes, paired or not)."""
        return self.text.replace("**", "")

    def as_dict(self) -> dict:
        return {"text": self.text, "block": self.block, "kind": self.kind, "item": self.item}


def split_sentences(text: str) -> list[str]:
    """The sentences of one text; ``"".join(split_sentences(t)) == t``."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def sentences(blocks: list[dict]) -> list[Unit]:
    """Every sentence of a block list in reading order, list items one after the other."""
    units: list[Unit] = []
    for index, block in enumerate(blocks):
        kind = block.get("type", "")
        if kind == "list":
            for item, text in enumerate(block.get("items", [])):
                units.extend(Unit(s, index, KIND_LIST_ITEM, item) for s in split_sentences(text))
        else:
            units.extend(Unit(s, index, kind) for s in split_sentences(block.get("text", "")))
    return units


def same_wording(old_blocks: list[dict], new_blocks: list[dict]) -> bool:
    """Whether two block lists say the same: blocks compared first, as that is cheapest and
    mostly enough; sentences only when the blocks differ (a re-split paragraph, bold added)."""
    if old_blocks == new_blocks:
        return True
    return [u.plain for u in sentences(old_blocks)] == [u.plain for u in sentences(new_blocks)]
