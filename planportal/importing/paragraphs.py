"""From a reader's lines to the document's logical lines ("units"): one per paragraph, heading
or list item, with layout lines set apart.

Joining is conservative, because every unit is shown as one paragraph and a wrong join glues
two statements together:
- a PDF line that runs to the margin goes on in the next line of text (even on the next page,
  past its header): joined without a gap;
- inside one paragraph, a line ending in "，" or "、" is continued by the next line (the
  sentence broken over two lines, 2.1 乡镇定位 in the draft);
- a paragraph of exactly two short phrases without punctuation is one paired phrase
  (底线约束 / 绿色发展, 生态屏障 / 更加稳固, 行动 / 计划): joined with a space.
"""

import re
from dataclasses import dataclass

from planportal.importing.source import SourceDocument, SourceLine

BULLETS = ("■", "◆", "□", "●", "•", "▪", "- ", "* ")
CONTINUES = ("，", "、", ",")
PHRASE_MAX_CHARS = 12
_PUNCTUATION = re.compile(r"[。，；：、,;:！？!?（）()“”\"《》\s]")


@dataclass
class Unit:
    text: str
    heading_level: int | None = None
    list_item: bool = False
    layout: str = ""
    page: int | None = None


def units_of(document: SourceDocument) -> list[Unit]:
    units: list[Unit] = []
    paragraph: list[SourceLine] = []
    for line in _join_run_on(document.lines):
        if line.layout:
            units.append(Unit(line.text, layout=line.layout, page=line.page))
            continue
        if line.starts_paragraph or line.heading_level or _is_bullet(line.text) or not paragraph:
            units.extend(_paragraph_units(paragraph))
            paragraph = []
        paragraph.append(line)
    units.extend(_paragraph_units(paragraph))
    return units


def _join_run_on(lines: list[SourceLine]) -> list[SourceLine]:
    """Join each line that reaches the margin with the next line of text; layout lines met in
    between (a page footer, the next page's header) keep their place before the joined line."""
    result: list[SourceLine] = []
    pending: SourceLine | None = None
    held: list[SourceLine] = []
    for line in lines:
        if line.layout:
            (held if pending else result).append(line)
            continue
        if pending and line.starts_paragraph:
            # A paragraph gap: the line only happened to fill the width.
            result.extend(held)
            result.append(pending)
            pending, held = None, []
        if pending:
            pending.text += line.text
            pending.runs_on = line.runs_on
        else:
            pending = SourceLine(**vars(line))
        if not pending.runs_on:
            result.extend(held)
            result.append(pending)
            pending, held = None, []
    if pending:
        result.extend(held)
        result.append(pending)
    return result


def _is_bullet(text: str) -> bool:
    return text.startswith(BULLETS)


def _is_phrase(text: str) -> bool:
    return len(text) <= PHRASE_MAX_CHARS and not _PUNCTUATION.search(text)


def _paragraph_units(lines: list[SourceLine]) -> list[Unit]:
    if not lines:
        return []
    first = lines[0]
    if len(lines) == 2 and not first.heading_level and all(_is_phrase(line.text) for line in lines):
        return [Unit(f"{first.text} {lines[1].text}", page=first.page)]
    units: list[Unit] = []
    for line in lines:
        last = units[-1] if units else None
        if last and not last.heading_level and last.text.endswith(CONTINUES):
            last.text += line.text
            continue
        units.append(Unit(line.text, line.heading_level, line.list_item, page=line.page))
    return units
