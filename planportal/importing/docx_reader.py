"""DOCX through python-docx: each paragraph and table row in body order, its heading level from
the style (Heading 1/2/3 and the Chinese "标题 1" names, or the paragraph's outline level), its
list style, and line breaks inside a paragraph as lines of the same paragraph. Table-of-contents
styles ("toc 1", "目录 1") and the page headers and footers of the sections are layout."""

import io
import re
import zipfile

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table

from planportal.importing.source import ImportRefused, SourceDocument, SourceLine

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题", "subtitle", "副标题"}


def read_docx(data: bytes) -> SourceDocument:
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ImportRefused("无法读取该 DOCX 文件（文件已损坏或不是 Word 文档）。") from error
    result = SourceDocument(format="docx")
    result.lines.extend(_header_footer_lines(document))
    # Style names by id, read once: python-docx's ``paragraph.style`` searches the styles part
    # for every paragraph, which made a 100-page document take seconds.
    names = {style.style_id: style.name or "" for style in document.styles}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_name = default.name if default is not None else ""
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            result.lines.extend(_table_lines(item))
            continue
        paragraph = item
        style_id = paragraph._p.style
        style = (names.get(style_id, "") if style_id else default_name).strip()
        level, layout, is_list = _classify_style(style, paragraph)
        pieces = [piece.strip() for piece in _text_with_bold(paragraph).split("\n")]
        first = True
        for piece in filter(None, pieces):
            result.lines.append(
                SourceLine(
                    piece,
                    starts_paragraph=first,
                    heading_level=level if first else None,
                    list_item=is_list,
                    layout=layout,
                )
            )
            first = False
    if not any(not line.layout for line in result.lines):
        raise ImportRefused("DOCX 文件中没有正文文字。")
    return result


def _table_lines(table: Table) -> list[SourceLine]:
    """A table (e.g. an indicator table) row by row, cells separated by " | ": its words in
    reading order, each row a paragraph of its own. A merged cell, which python-docx returns
    once per grid column it spans, is taken once."""
    lines = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        text = " | ".join(cells).strip(" |")
        if text:
            lines.append(SourceLine(text))
    return lines


def _text_with_bold(paragraph) -> str:
    """The paragraph's text, with bold runs inside it marked **…** as the plan text stores
    emphasis (a paragraph bold throughout, like a heading, is left unmarked)."""
    pieces: list[tuple[str, bool]] = []
    for item in paragraph.iter_inner_content():
        bold = bool(getattr(item, "bold", False))
        if pieces and pieces[-1][1] == bold:
            pieces[-1] = (pieces[-1][0] + item.text, bold)
        else:
            pieces.append((item.text, bold))
    if all(bold for text, bold in pieces if text.strip()):
        return "".join(text for text, _ in pieces)
    return "".join(f"**{text}**" if bold and text.strip() else text for text, bold in pieces)


def _classify_style(style: str, paragraph) -> tuple[int | None, str, bool]:
    """(heading level, layout kind, list item) from the paragraph's style."""
    if match := _HEADING_STYLE.match(style):
        return int(match[1]), "", False
    if _TOC_STYLE.match(style):
        return None, "目录", False
    if style.lower() in _TITLE_STYLES:
        return None, "", False
    outline = paragraph.paragraph_format.element.pPr
    level = outline.find(docx.oxml.ns.qn("w:outlineLvl")) if outline is not None else None
    if level is not None and level.get(docx.oxml.ns.qn("w:val")) not in (None, "9"):
        return int(level.get(docx.oxml.ns.qn("w:val"))) + 1, "", False
    is_list = style.lower().startswith("list") or (
        outline is not None and outline.find(docx.oxml.ns.qn("w:numPr")) is not None
    )
    return None, "", is_list


def _header_footer_lines(document) -> list[SourceLine]:
    """The running headers and footers: printed on every page, never part of the text."""
    seen: list[SourceLine] = []
    texts: set[str] = set()
    for section in document.sections:
        for part, kind in ((section.header, "页眉"), (section.footer, "页脚")):
            if part.is_linked_to_previous and texts:
                continue
            for paragraph in part.paragraphs:
                text = paragraph.text.strip()
                if text and text not in texts:
                    texts.add(text)
                    seen.append(SourceLine(text, layout=kind))
    return seen
