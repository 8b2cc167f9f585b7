"""Build fixtures/yangquanqu/plan.json from the draft plan's text export.

The public-consultation site shows the full text of the draft township plan
(孝义市阳泉曲镇国土空间总体规划 2021-2035年) chapter by chapter and section by section. The only
source is plan-draft.txt, a PowerPoint-like text export: cover lines, the 前言 (preface), a 目录
(table of contents), eight chapters introduced by a numeral line "01".."08", their title and their
own list of section headings, then the sections' content and some closing matter.

This script turns that export into structured JSON, deterministically and with the standard
library only, so the fixture can be rebuilt and reviewed whenever the draft changes:

- layout is dropped: blank lines, the words 前言/PREFACE/目录/DIRECTORY, the 目录 entries, the
  chapter numerals, each chapter's list of its sections, and identical repeated section headings
  (page continuations);
- every other line is stored exactly once, in order, with its wording unchanged (markdown bold
  kept): consecutive bullet lines with the same marker become one list block, lines starting
  with "□", a repeated section number with a different title, and short label lines become
  heading blocks, everything else is one paragraph block per line.

planportal/plan_text.py holds the functions a test uses to prove nothing was lost.

Usage: python scripts/build_plan_fixture.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = "fixtures/yangquanqu/plan-draft.txt"
TARGET = "fixtures/yangquanqu/plan.json"

CHAPTER_NUMERAL = re.compile(r"^\d{2}$")
SECTION_HEADING = re.compile(r"^(\d+)\.(\d+)\s+(\S.*)$")
LISTED_SECTION = re.compile(r"^(?:-\s+)?(\d+)\.(\d+)\s+(\S.*)$")
DIRECTORY_ENTRY = re.compile(r"^-?\s*[一二三四五六七八九十]+\.\s*")
CLOSING_START = "诚邀社会各界"

# List markers and how the item text starts after them; "-" needs a space so "-5%" stays text.
LIST_MARKERS = (("■", ""), ("◆", ""), ("-", " "))
HEADING_MARKER = "□"

# A label heading is short, has none of these, and introduces a long line or a list.
LABEL_MAX_CHARS = 12
LABEL_NEXT_MIN_CHARS = 21
LABEL_PUNCTUATION = set('。，；：、,;:!！？?“”"()（）')


def content_lines(text: str) -> list[str]:
    """Strip every line (str.strip also removes non-breaking spaces) and drop empty ones."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_bullet(line: str) -> tuple[str, str] | None:
    """Return (marker, item text) for a bullet line, or None for any other line."""
    for marker, gap in LIST_MARKERS:
        if line.startswith(marker + gap):
            return marker, line[len(marker) :].strip()
    return None


def is_label(line: str, following: object) -> bool:
    """Tell a short label line (a sub-heading) from a paragraph, conservatively.

    `following` is the next entry of the same block sequence (a line, a ready block or None).
    """
    if len(line) > LABEL_MAX_CHARS or LABEL_PUNCTUATION.intersection(line):
        return False
    if isinstance(following, str):
        return split_bullet(following) is not None or len(following) >= LABEL_NEXT_MIN_CHARS
    return False


def to_blocks(entries: list[str | dict]) -> list[dict]:
    """Turn a run of lines (and ready-made heading blocks) into paragraph/heading/list blocks."""
    blocks: list[dict] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            blocks.append(entry)
            continue
        bullet = split_bullet(entry)
        following = entries[index + 1] if index + 1 < len(entries) else None
        if bullet:
            marker, item = bullet
            last = blocks[-1] if blocks else None
            if last and last["type"] == "list" and last["marker"] == marker:
                last["items"].append(item)
            else:
                blocks.append({"type": "list", "marker": marker, "items": [item]})
        elif entry.startswith(HEADING_MARKER):
            blocks.append({"type": "heading", "text": entry[len(HEADING_MARKER) :].strip()})
        elif is_label(entry, following):
            blocks.append({"type": "heading", "text": entry})
        else:
            blocks.append({"type": "paragraph", "text": entry})
    return blocks


def expect(line: str, wanted: str) -> None:
    """Fail loudly when the export's fixed front matter is not where it should be."""
    if line != wanted:
        raise ValueError(f"expected {wanted!r}, found {line!r}")


def split_document(lines: list[str]) -> tuple[list[str], list[str], list[list[str]], list[str]]:
    """Cut the draft into cover, preface, one line run per chapter, and closing matter.

    The 目录 entries between DIRECTORY and "01" are checked against the chapter titles and
    dropped as layout.
    """
    preface_at = lines.index("前言")
    expect(lines[preface_at + 1], "PREFACE")
    directory_at = lines.index("目录")
    expect(lines[directory_at + 1], "DIRECTORY")
    closing_at = next(i for i, line in enumerate(lines) if line.startswith(CLOSING_START))
    starts = [i for i in range(directory_at, closing_at) if CHAPTER_NUMERAL.match(lines[i])]
    for number, start in enumerate(starts, 1):
        expect(lines[start], f"{number:02d}")
    chapters = [lines[a + 1 : b] for a, b in zip(starts, starts[1:] + [closing_at], strict=True)]
    check_directory(lines[directory_at + 2 : starts[0]], [chapter[0] for chapter in chapters])
    return lines[:preface_at], lines[preface_at + 2 : directory_at], chapters, lines[closing_at:]


def check_directory(entries: list[str], titles: list[str]) -> None:
    """Make sure the 目录 only repeats the chapter titles, so dropping it loses nothing."""
    stripped = [DIRECTORY_ENTRY.sub("", entry) for entry in entries]
    if stripped != titles:
        raise ValueError(f"目录 {entries} does not match the chapter titles {titles}")


def take_section_list(number: int, lines: list[str]) -> tuple[list[tuple[str, str]], int]:
    """Read a chapter's own list of section headings; return it and where the content starts.

    The list ends at the first line that is not a heading of this chapter or that repeats a
    section number already listed (the real section heading).
    """
    listed: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        match = LISTED_SECTION.match(line)
        if not match or int(match[1]) != number:
            return listed, index
        section = f"{match[1]}.{match[2]}"
        if section in dict(listed):
            return listed, index
        listed.append((section, match[3]))
    return listed, len(lines)


def parse_chapter(number: int, lines: list[str]) -> dict:
    """Parse one chapter: title, section list (checked, then dropped), intro and sections."""
    title = lines[0]
    listed, content_at = take_section_list(number, lines[1:])
    intro: list[str | dict] = []
    sections: list[dict] = []
    for line in lines[1 + content_at :]:
        match = SECTION_HEADING.match(line)
        if not match or int(match[1]) != number:
            (sections[-1]["blocks"] if sections else intro).append(line)
            continue
        section, heading = f"{match[1]}.{match[2]}", match[3]
        if sections and sections[-1]["number"] == section:
            if heading != sections[-1]["title"]:
                sections[-1]["blocks"].append({"type": "heading", "text": line})
        elif section in {s["number"] for s in sections}:
            raise ValueError(f"chapter {number}: section {section} resumes out of order")
        else:
            sections.append({"number": section, "title": heading, "blocks": []})
    sections = merge_listed(number, listed, sections)
    for section in sections:
        section["blocks"] = to_blocks(section["blocks"])
    return {"number": number, "title": title, "intro": to_blocks(intro), "sections": sections}


def merge_listed(number: int, listed: list[tuple[str, str]], found: list[dict]) -> list[dict]:
    """Check the chapter's section list against the sections found, keeping listed-only ones.

    Found sections must be exactly the listed ones, same titles, same order. A listed section
    with no text in the export (1.3 规划范围与期限) becomes an empty section, so the site's
    navigation follows the plan's own outline.
    """
    by_number = {section["number"]: section for section in found}
    outline = [(section["number"], section["title"]) for section in found]
    if [entry for entry in listed if entry[0] in by_number] != outline:
        raise ValueError(f"chapter {number}: listed {listed} does not match found {outline}")
    return [by_number.get(n) or {"number": n, "title": t, "blocks": []} for n, t in listed]


def build(draft_text: str) -> dict:
    """Build the plan dict (the shape of plan.json) from the draft's text."""
    cover, preface, chapters, closing = split_document(content_lines(draft_text))
    return {
        "source": SOURCE,
        "cover": cover,
        "preface": to_blocks(list(preface)),
        "chapters": [parse_chapter(n, lines) for n, lines in enumerate(chapters, 1)],
        "closing": to_blocks(list(closing)),
    }


def render(plan: dict) -> str:
    """Serialize the plan the one way the fixture is stored, so rebuilds are byte-identical."""
    return json.dumps(plan, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    """Rebuild the fixture from the draft and say what was written."""
    plan = build((REPO / SOURCE).read_text(encoding="utf-8"))
    (REPO / TARGET).write_text(render(plan), encoding="utf-8", newline="\n")
    sections = sum(len(chapter["sections"]) for chapter in plan["chapters"])
    print(f"wrote {TARGET}: {len(plan['chapters'])} chapters, {sections} sections")


if __name__ == "__main__":
    main()
