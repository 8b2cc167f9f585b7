"""Two versions of a plan's whole text (loader.stored_text's shape) compared part by part.

Chapters and sections are paired as matching.py says; a chapter's intro, the cover, the
preface and the closing are compared as pseudo-sections. A renumbering alone is no text
change: it counts in ``changes`` only if the wording changed too.
"""

from __future__ import annotations

from collections import defaultdict

from .compare import diff_blocks
from .matching import match, number_of, title_of
from .results import (
    ADDED,
    CHANGED,
    REMOVED,
    RENUMBERED,
    UNCHANGED,
    ChapterDiff,
    SectionDiff,
    TextDiff,
)


def diff_section(old: dict | None, new: dict | None, part: str = "section") -> SectionDiff:
    """One section (or pseudo-section) against its match; None for the side it is missing on."""
    ops = diff_blocks(old["blocks"] if old else [], new["blocks"] if new else [])
    numbers = [number_of(s) if s and "number" in s else None for s in (old, new)]
    titles = [title_of(s) if s else "" for s in (old, new)]
    if old is None or new is None:
        status = ADDED if old is None else REMOVED
    elif part == "section" and (numbers[0], titles[0]) != (numbers[1], titles[1]):
        status = RENUMBERED
    else:
        status = CHANGED if any(op.op != "equal" for op in ops) else UNCHANGED
    return SectionDiff(part, status, *numbers, *titles, ops)


def _pseudo(text: dict | None, key: str) -> dict:
    blocks = (text or {}).get(key) or []
    if key == "cover":  # the cover is a list of lines, not blocks
        blocks = [{"type": "paragraph", "text": line} for line in blocks]
    return {"number": key, "blocks": blocks}


def _place_removed(kept: list[tuple[int | None, object]], removed: list[tuple[int, object]]):
    """Items in the new order, each removed one right after the item that preceded it in the
    old order (kept items carry their old index, None when added)."""
    placed = list(kept)
    for old_index, item in sorted(removed, key=lambda pair: pair[0]):
        position = 0
        for k, (index, _) in enumerate(placed):
            if index is not None and index < old_index:
                position = k + 1
        placed.insert(position, (old_index, item))
    return [item for _, item in placed]


def diff_texts(old_text: dict, new_text: dict) -> TextDiff:
    old_chapters, new_chapters = old_text.get("chapters", []), new_text.get("chapters", [])
    chapter_match = match(old_chapters, new_chapters, number_of, title_of)
    old_of_chapter = {j: i for i, j in chapter_match.items()}
    old_flat = [(c, s) for c, chapter in enumerate(old_chapters) for s in chapter["sections"]]
    new_flat = [(c, s) for c, chapter in enumerate(new_chapters) for s in chapter["sections"]]
    section_match = match([s for _, s in old_flat], [s for _, s in new_flat], number_of, title_of)
    old_of_section = {j: i for i, j in section_match.items()}

    # A removed section stays with its old chapter: in that chapter's match, or removed too.
    kept = defaultdict(list)  # new chapter index -> [(old flat index | None, SectionDiff)]
    for j, (chapter, section) in enumerate(new_flat):
        i = old_of_section.get(j)
        kept[chapter].append((i, diff_section(old_flat[i][1] if i is not None else None, section)))
    gone = defaultdict(list)  # ("new" | "old", chapter index) -> [(old flat index, SectionDiff)]
    for i, (chapter, section) in enumerate(old_flat):
        if i not in section_match:
            home = ("new", chapter_match[chapter]) if chapter in chapter_match else ("old", chapter)
            gone[home].append((i, diff_section(section, None)))

    chapters: list[tuple[int | None, ChapterDiff]] = []
    for j, new in enumerate(new_chapters):
        i = old_of_chapter.get(j)
        old = old_chapters[i] if i is not None else None
        sections = _place_removed(kept[j], gone[("new", j)])
        chapters.append((i, _chapter(old, new, sections)))
    removed = [
        (i, _chapter(old, None, [d for _, d in gone[("old", i)]]))
        for i, old in enumerate(old_chapters)
        if i not in chapter_match
    ]
    return TextDiff(
        cover=diff_section(_pseudo(old_text, "cover"), _pseudo(new_text, "cover"), "cover"),
        preface=diff_section(_pseudo(old_text, "preface"), _pseudo(new_text, "preface"), "preface"),
        chapters=_place_removed(chapters, removed),
        closing=diff_section(_pseudo(old_text, "closing"), _pseudo(new_text, "closing"), "closing"),
    )


def _chapter(old: dict | None, new: dict | None, sections: list[SectionDiff]) -> ChapterDiff:
    intro = diff_section(
        {"number": old["number"], "blocks": old.get("intro", [])} if old else None,
        {"number": new["number"], "blocks": new.get("intro", [])} if new else None,
        "intro",
    )
    if old is None or new is None:
        status = ADDED if old is None else REMOVED
    elif (old["number"], old["title"]) != (new["number"], new["title"]):
        status = RENUMBERED
    else:
        # Changed when anything in it changed, or when a section moved out to another chapter.
        stayed = [s.old_number for s in sections if s.old_number is not None]
        moved = stayed != [number_of(s) for s in old["sections"]]
        edited = intro.changes or any(s.status != UNCHANGED for s in sections)
        status = CHANGED if edited or moved else UNCHANGED
    numbers = [c["number"] if c else None for c in (old, new)]
    titles = [c["title"] if c else "" for c in (old, new)]
    return ChapterDiff(status, *numbers, *titles, intro, sections)
