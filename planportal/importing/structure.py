"""Builds a plan's text (cover, preface, chapters with sections of blocks, closing) from the
document's units, and lists what it treated as layout.

The result has the shape of fixtures/yangquanqu/plan.json (what planportal.loader stores and the
plan page renders) plus "layout": the lines kept out of the text, each with its kind, so the
preview can show them. Headings come from the document's heading styles where it has them,
else from the usual numbering:
- chapters: a numeral line "01" before the title, "第一章 标题" / "第1章 标题";
- sections: "3.2 标题" (of the current chapter), "第一节 标题";
- sub-headings: "一、", "（一）", "3.2.1", "□", a short label line introducing a list or a
  long paragraph;
- lists: lines starting with a bullet (■ ◆ - …) or in a list style; figure captions "图 3-1 …".
Layout: the cover (before 前言/目录), the words 前言/PREFACE/目录/DIRECTORY, the 目录 entries,
chapter numerals, a chapter's own list of its sections, a section heading repeated on a new page,
and whatever the reader found (page headers, footers, page numbers, TOC styles).
"""

import re

from planportal.importing.paragraphs import Unit, units_of
from planportal.importing.source import ImportRefused, SourceDocument

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}

PREFACE_WORDS = {"前言", "序言", "PREFACE"}
TOC_WORDS = {"目录", "目 录", "DIRECTORY", "CONTENTS"}
# The draft ends with an invitation and the contact lines: kept apart as the plan's closing.
CLOSING_STARTS = ("诚邀社会各界",)

CHAPTER_NUMERAL = re.compile(r"^0?\d{1,2}$")
CHAPTER_HEADING = re.compile(r"^第\s*([一二三四五六七八九十百零〇两\d]+)\s*章\s*(.*)$")
SECTION_HEADING = re.compile(r"^(\d{1,2})\.(\d{1,2})(?![.\d])\s*(\S.{0,39})$")
SECTION_CN = re.compile(r"^第\s*([一二三四五六七八九十\d]+)\s*节\s*(\S.*)$")
SUB_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.\d+\.\d+\s)"
)
CAPTION = re.compile(r"^图\s*[\d一二三四五六七八九十]+(?:[-—.．]\d+)?\s*\S")
TOC_LEADER = re.compile(r"(?:\.{3,}|…{2,}|·{3,})\s*\d+\s*$|\s\d{1,3}$")
TOC_ENTRY = re.compile(r"^(?:-\s*)?[一二三四五六七八九十]+[.、．]\s*\S")
SENTENCE_END = ("。", "；", ";", "！", "!", "？", "?")
LIST_MARKERS = (("■", ""), ("◆", ""), ("●", ""), ("•", ""), ("▪", ""), ("-", " "), ("*", " "))
HEADING_MARKER = "□"
LABEL_MAX_CHARS = 16
LABEL_NEXT_MIN_CHARS = 21
LABEL_PUNCTUATION = set("。，；：、,;:!！？?()（）")


def chinese_number(text: str) -> int:
    """1..99 from Arabic or Chinese numerals (一, 十二, 二十三)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return CN_DIGITS.get(tens, 1) * 10 + CN_DIGITS.get(ones, 0)
    return CN_DIGITS.get(text, 0)


def build_structure(document: SourceDocument) -> dict:
    return _Builder(units_of(document), document.has_heading_styles, document.format).build()


class _Builder:
    def __init__(self, units: list[Unit], styled: bool, format: str):
        self.units = units
        self.styled = styled
        self.format = format
        self.layout: list[dict] = []
        self.cover: list[str] = []
        self.preface: list[Unit | dict] = []
        self.chapters: list[dict] = []
        self.closing: list[Unit | dict] = []

    # --- the pass over the document -------------------------------------------------------

    def build(self) -> dict:
        body = self._front_matter([u for u in self.units if not self._reader_layout(u)])
        index = 0
        while index < len(body):
            unit = body[index]
            if unit.text.startswith(CLOSING_STARTS) and self.chapters:
                self.closing.extend(body[index:])
                break
            chapter = self._chapter_start(body, index)
            if chapter:
                index = self._open_chapter(body, index, *chapter)
                continue
            self._place(unit)
            index += 1
        if not self.chapters:
            raise ImportRefused(
                "未识别出任何章节。请使用标题样式（标题 1/标题 2）或“第一章”“1.1 标题”等编号。"
            )
        for chapter in self.chapters:
            chapter["intro"] = _blocks(chapter["intro"])
            _add_listed_only(chapter)
            for section in chapter["sections"]:
                section["blocks"] = _blocks(section["blocks"])
        # In document order (the reader's layout was set apart first).
        position = {id(unit): index for index, unit in enumerate(self.units)}
        self.layout.sort(key=lambda item: position[item.pop("_at")])
        return {
            "format": self.format,
            "cover": self.cover,
            "preface": _blocks(self.preface),
            "chapters": self.chapters,
            "closing": _blocks(self.closing),
            "layout": self.layout,
        }

    def _reader_layout(self, unit: Unit) -> bool:
        if unit.layout:
            self._mark(unit, unit.layout)
        return bool(unit.layout)

    def _mark(self, unit: Unit, kind: str) -> None:
        self.layout.append({"text": unit.text, "kind": kind, "page": unit.page, "_at": id(unit)})

    def _front_matter(self, units: list[Unit]) -> list[Unit]:
        """Take cover, preface and 目录 off the front; return the units from chapter 1 on."""
        starts = [i for i in range(len(units)) if self._chapter_start(units, i, real=True)]
        if not starts:
            return units
        first_chapter = starts[0]
        toc_before = any(_bare(u.text) in TOC_WORDS for u in units[:first_chapter])
        if toc_before and len(starts) > 1 and not self.styled:
            # The 目录 lists "第一章 总则" without page numbers: the text starts at its repeat.
            first_chapter = starts[1]
        front = units[:first_chapter]
        marked = any(_bare(u.text) in PREFACE_WORDS | TOC_WORDS for u in front)
        zone = "cover" if marked else "preface"
        for unit in front:
            word = _bare(unit.text)
            if word in PREFACE_WORDS:
                zone = "preface"
                self._mark(unit, "前言标题")
            elif word in TOC_WORDS:
                zone = "toc"
                self._mark(unit, "目录")
            elif zone == "cover":
                self.cover.append(unit.text)
                self._mark(unit, "封面")
            elif zone == "toc":
                self._mark(unit, "目录")
            else:
                self.preface.append(unit)
        return units[first_chapter:]

    # --- chapters -------------------------------------------------------------------------

    def _chapter_start(self, units, index, real=False) -> tuple[int, str, int] | None:
        """(chapter number, title, units taken) when a chapter starts at ``index``."""
        unit = units[index]
        following = units[index + 1] if index + 1 < len(units) else None
        if self.styled:
            if unit.heading_level == 1:
                number, title = self._numbered_title(unit.text)
                return number, title, 1
            if (
                CHAPTER_NUMERAL.match(unit.text)
                and following is not None
                and following.heading_level == 1
            ):
                _, title = self._numbered_title(following.text)
                return int(unit.text), title, 2
            return None
        if match := CHAPTER_HEADING.match(unit.text):
            if TOC_LEADER.search(unit.text):
                return None
            if match[2]:
                number, title, taken = chinese_number(match[1]), match[2].strip(), 1
            elif following is not None:
                number, title, taken = chinese_number(match[1]), following.text, 2
            else:
                return None
        elif CHAPTER_NUMERAL.match(unit.text) and following is not None and _is_title(following):
            number, title, taken = int(unit.text), following.text, 2
        else:
            return None
        if real and number != 1:
            return None
        if self.chapters and number != self.chapters[-1]["number"] + 1:
            return None
        if not self.chapters and number != 1:
            return None
        return number, title, taken

    def _numbered_title(self, text: str) -> tuple[int, str]:
        if match := CHAPTER_HEADING.match(text):
            return chinese_number(match[1]), match[2].strip() or text
        return len(self.chapters) + 1, text

    def _open_chapter(self, units, index, number, title, taken) -> int:
        if taken == 2:
            self._mark(units[index], "章序号")
        self.chapters.append({"number": number, "title": title, "intro": [], "sections": []})
        index += taken
        listed: list[tuple[str, str]] = []
        start = index
        while index < len(units):
            found = self._section_heading(units[index], listing=True)
            if not found or found[0] in dict(listed):
                break
            listed.append(found[:2])
            index += 1
        if listed and not self._heading_recurs(units, index, listed[0]):
            # Not the chapter's own list of sections but its first real section heading.
            listed, index = [], start
        for unit in units[start:index]:
            self._mark(unit, "本章目录")
        self.chapters[-1]["listed"] = listed
        return index

    def _heading_recurs(self, units, index, listed: tuple[str, str]) -> bool:
        """Whether the chapter's text (up to the next chapter) has this section heading."""
        for position in range(index, len(units)):
            if self._chapter_start(units, position):
                return False
            found = self._section_heading(units[position])
            if found and found[0] == listed[0]:
                return True
        return False

    # --- sections and blocks ----------------------------------------------------------------

    def _section_heading(self, unit: Unit, listing=False) -> tuple[str, str] | None:
        chapter = self.chapters[-1]["number"] if self.chapters else None
        text = unit.text
        if listing and (bullet := _split_bullet(text)):
            text = bullet[1]
        if self.styled and not listing:
            if unit.heading_level != 2:
                return None
            if match := SECTION_HEADING.match(text):
                return f"{match[1]}.{match[2]}", match[3].strip()
            count = len(self.chapters[-1]["sections"]) + 1
            return f"{chapter}.{count}", text
        if unit.heading_level and unit.heading_level != 2 and not listing:
            return None
        match = SECTION_HEADING.match(text)
        if match and int(match[1]) == chapter and not text.endswith(SENTENCE_END):
            return f"{match[1]}.{match[2]}", match[3].strip()
        if match := SECTION_CN.match(text):
            return f"{chapter}.{chinese_number(match[1])}", match[2].strip()
        return None

    def _place(self, unit: Unit) -> None:
        if not self.chapters:
            self.preface.append(unit)
            return
        chapter = self.chapters[-1]
        found = self._section_heading(unit)
        if found:
            number, title = found
            sections = chapter["sections"]
            if sections and sections[-1]["number"] == number:
                if title == sections[-1]["title"]:
                    self._mark(unit, "续页标题")
                else:
                    sections[-1]["blocks"].append({"type": "heading", "text": unit.text})
                return
            if number not in {s["number"] for s in sections}:
                self._close_listed(chapter, number)
                sections.append({"number": number, "title": title, "blocks": []})
                return
        target = chapter["sections"][-1]["blocks"] if chapter["sections"] else chapter["intro"]
        target.append(unit)

    def _close_listed(self, chapter: dict, number: str) -> None:
        """Listed sections with no text of their own (1.3 in the draft) keep their place in the
        outline as empty sections, so the navigation follows the plan's own list."""
        numbers = [n for n, _ in chapter["listed"]]
        if number in numbers:
            _add_listed_only(chapter, until=numbers.index(number))


def _add_listed_only(chapter: dict, until: int | None = None) -> None:
    present = {s["number"] for s in chapter["sections"]}
    for listed_number, title in chapter["listed"][:until]:
        if listed_number not in present:
            chapter["sections"].append({"number": listed_number, "title": title, "blocks": []})
    if until is None:
        del chapter["listed"]


def _bare(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("#", "")).strip().upper()


def _is_title(unit: Unit) -> bool:
    """A chapter title after its numeral: short, no sentence punctuation."""
    return len(unit.text) <= 30 and not unit.text.endswith(SENTENCE_END) and not unit.text.isdigit()


def _split_bullet(text: str) -> tuple[str, str] | None:
    for marker, gap in LIST_MARKERS:
        if text.startswith(marker + gap):
            return marker, text[len(marker) :].strip()
    return None


def _is_sub_heading(text: str) -> bool:
    """ "一、…", "（一）…", "3.2.1 …" as a short line of its own, not a numbered sentence."""
    return bool(SUB_HEADING.match(text)) and len(text) <= 40 and not text.endswith(SENTENCE_END)


def _is_trailing_label(text: str, previous: dict | None, rest: list) -> bool:
    """A label printed below the paragraph it names (a two-column page read in order: the
    draft's 5.2 has "农村建设用地整理" after its paragraph, then the next heading): shown as
    that paragraph's caption rather than as a paragraph of its own or a heading over the next."""
    if len(text) > LABEL_MAX_CHARS or LABEL_PUNCTUATION.intersection(text):
        return False
    if previous is None or previous["type"] != "paragraph":
        return False
    if len(previous["text"]) < LABEL_NEXT_MIN_CHARS:
        return False
    if not rest:
        return True  # the end of the section
    following, after = rest[0], rest[1] if len(rest) > 1 else None
    if isinstance(following, dict):
        return following["type"] == "heading"
    return _is_sub_heading(following.text) or _is_label(following.text, after)


def _is_label(text: str, following) -> bool:
    if len(text) > LABEL_MAX_CHARS or LABEL_PUNCTUATION.intersection(text):
        return False
    if isinstance(following, Unit):
        return (
            _split_bullet(following.text) is not None
            or following.list_item
            or (len(following.text) >= LABEL_NEXT_MIN_CHARS)
        )
    return False


def _blocks(entries: list) -> list[dict]:
    blocks: list[dict] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            blocks.append(entry)
            continue
        following = entries[index + 1] if index + 1 < len(entries) else None
        text = entry.text
        bullet = _split_bullet(text) or (("-", text) if entry.list_item else None)
        if bullet:
            marker, item = bullet
            last = blocks[-1] if blocks else None
            if last and last["type"] == "list" and last["marker"] == marker:
                last["items"].append(item)
            else:
                blocks.append({"type": "list", "marker": marker, "items": [item]})
        elif entry.heading_level and entry.heading_level >= 3:
            blocks.append({"type": "heading", "text": text})
        elif text.startswith(HEADING_MARKER):
            blocks.append({"type": "heading", "text": text[len(HEADING_MARKER) :].strip()})
        elif CAPTION.match(text) and len(text) <= 40:
            blocks.append({"type": "caption", "text": text})
        elif _is_sub_heading(text) or _is_label(text, following):
            blocks.append({"type": "heading", "text": text})
        elif _is_trailing_label(text, blocks[-1] if blocks else None, entries[index + 1 :]):
            blocks.append({"type": "caption", "text": text})
        else:
            blocks.append({"type": "paragraph", "text": text})
    return blocks
