"""Compare the structured plan text (plan.json) with the draft it was built from.

The plan's full text is published as structured JSON (chapters, sections, blocks) built from a
PowerPoint-like text export. The export repeats things for layout (a table of contents, each
chapter's list of its sections, page-continuation headings) and decorates lines with bullets,
markdown bold and stray whitespace. These pure functions let a test prove that the JSON stores
every real line of the draft exactly once, in order, with unchanged wording, and that whatever it
leaves out is layout only. No Django import: they run on plain dicts and strings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Leading bullet glyphs of the export; "-" is the markdown list dash.
BULLET_MARKERS = ("■", "□", "◆", "-")

LAYOUT_WORDS = ("前言", "PREFACE", "目录", "DIRECTORY")

# The 目录 numbers chapters with Chinese numerals ("一. 规划总则").
CHINESE_NUMERALS = "一二三四五六七八九十"

_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Reduce a line to its wording so layout differences do not count as text differences.

    NFKC folds full-width forms, whitespace (including non-breaking spaces) and markdown bold
    markers are removed, and one leading bullet marker is stripped, because the JSON moves
    bullets into a list's "marker" and keeps the item text without it.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _WHITESPACE.sub("", text).replace("**", "")
    for marker in BULLET_MARKERS:
        if text.startswith(marker):
            return text[len(marker) :]
    return text


def _block_texts(blocks: list[dict]) -> Iterator[str]:
    """Yield the stored strings of blocks: a list contributes each of its items."""
    for block in blocks:
        if block["type"] == "list":
            yield from block["items"]
        else:
            yield block["text"]


def document_units(plan: dict) -> list[str]:
    """Return every stored text piece of a plan, raw, in document order.

    The order mirrors the draft so the pieces can be matched against its lines one by one. A
    section without blocks contributes no heading: the draft names it only in its chapter's
    section list, which precedes the chapter's content (the heading is in `layout_lines`).
    """
    units: list[str] = list(plan["cover"])
    units.extend(_block_texts(plan["preface"]))
    for chapter in plan["chapters"]:
        units.append(chapter["title"])
        units.extend(_block_texts(chapter["intro"]))
        for section in chapter["sections"]:
            if section["blocks"]:
                units.append(f"{section['number']} {section['title']}")
                units.extend(_block_texts(section["blocks"]))
    units.extend(_block_texts(plan["closing"]))
    return units


def layout_lines(plan: dict) -> set[str]:
    """Return the normalized draft lines that may be left out because they are layout.

    These are the front-matter words, the chapter numerals "01".."08", the 目录 entries
    (chapter titles with their Chinese numeral), and the section headings that chapters list
    and that page continuations repeat.
    """
    allowed = {normalize(word) for word in LAYOUT_WORDS}
    for index, chapter in enumerate(plan["chapters"]):
        title = chapter["title"]
        allowed.add(f"{chapter['number']:02d}")
        allowed.add(normalize(title))
        if index < len(CHINESE_NUMERALS):
            allowed.add(normalize(f"{CHINESE_NUMERALS[index]}. {title}"))
        for section in chapter["sections"]:
            allowed.add(normalize(f"{section['number']} {section['title']}"))
            allowed.add(normalize(section["title"]))
    return allowed


def unmatched_draft_lines(draft_text: str, units: list[str]) -> list[str]:
    """Return the normalized draft lines that no stored unit accounts for.

    Units must appear in the draft in the same order, each equal to one draft line; the lines
    skipped over (and those left after the last unit) are returned so the caller can check they
    are all layout. A unit that cannot be found raises ValueError, because it means the JSON
    holds text that is not in the draft, or holds it out of order.
    """
    lines = [line for line in map(normalize, draft_text.splitlines()) if line]
    unmatched: list[str] = []
    position = 0
    for unit in units:
        wanted = normalize(unit)
        while position < len(lines) and lines[position] != wanted:
            unmatched.append(lines[position])
            position += 1
        if position == len(lines):
            raise ValueError(f"unit not found in draft order: {unit!r}")
        position += 1
    unmatched.extend(lines[position:])
    return unmatched
