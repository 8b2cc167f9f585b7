"""PDF with a text layer through pdfplumber.

A PDF has no paragraphs, only positioned lines, so the reader recovers what the builder needs:
- a page header or footer is a line at the top or bottom of the pages that repeats (digits
  aside) on several pages, and a page number is a lone number there: both are layout;
- a new paragraph starts where the space above a line is larger than the line spacing;
- a line that reaches the right margin runs on into the next line of text, across a page
  break and past the next page's header, so the builder can join the sentence again;
- radical code points are replaced by the characters the reader sees (radicals.py).
A PDF without a text layer (scanned pages) is refused: reading it needs OCR, not offered here.
"""

import io
import re
from collections import Counter
from dataclasses import dataclass

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from planportal.importing.radicals import as_read
from planportal.importing.source import ImportRefused, SourceDocument, SourceLine

NO_TEXT_LAYER = (
    "该 PDF 没有文字层（可能是扫描件），无法导入。扫描页需要文字识别（OCR），本系统不提供；"
    "请上传带文字层的 PDF，或 DOCX、文本文件。"
)
_PAGE_NUMBER = re.compile(
    r"^[-—–·\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*/\s*(?:共\s*)?\d{1,4}\s*页?)?[-—–·\s]*$"
)
_DIGITS = re.compile(r"\d+")
# How many lines at the top and bottom of a page may be running headers or footers.
EDGE_LINES = 2
# A gap above a line larger than the document's line spacing by this many line heights starts
# a new paragraph.
PARAGRAPH_GAP = 0.4


@dataclass
class _Line:
    text: str
    page: int
    top: float
    bottom: float
    x1: float
    edge: str  # "top", "bottom" or ""


def read_pdf(data: bytes) -> SourceDocument:
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_lines(number, page) for number, page in enumerate(pdf.pages, 1)]
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as error:
        raise ImportRefused("无法读取该 PDF 文件（文件已损坏或已加密）。") from error
    if not any(pages):
        raise ImportRefused(NO_TEXT_LAYER)
    repeated = _running_lines(pages)
    document = SourceDocument(format="pdf")
    right_edge = max(line.x1 for page in pages for line in page)
    spacing = _line_spacing(pages)
    previous: _Line | None = None
    for page in pages:
        for line in page:
            layout = _layout_kind(line, repeated)
            if layout:
                document.lines.append(SourceLine(line.text, layout=layout, page=line.page))
                continue
            height = line.bottom - line.top
            new_paragraph = (
                previous is None
                or (
                    previous.page == line.page
                    and line.top - previous.bottom > spacing + PARAGRAPH_GAP * height
                )
                or (previous.page != line.page and not document_runs_on(document))
            )
            document.lines.append(
                SourceLine(
                    line.text,
                    starts_paragraph=new_paragraph,
                    page=line.page,
                    runs_on=line.x1 >= right_edge - 1.5 * height,
                )
            )
            previous = line
    return document


def document_runs_on(document: SourceDocument) -> bool:
    """Whether the last line of text so far reaches the margin (the sentence goes on)."""
    content = [line for line in document.lines if not line.layout]
    return bool(content) and content[-1].runs_on


def _line_spacing(pages: list[list[_Line]]) -> float:
    """The usual space between two lines of one paragraph: the smallest gap that recurs."""
    gaps = Counter(
        round(below.top - above.bottom, 1)
        for page in pages
        for above, below in zip(page, page[1:], strict=False)
        if below.top > above.bottom
    )
    recurring = [gap for gap, count in gaps.items() if count >= 3] or list(gaps) or [0.0]
    return min(recurring)


def _page_lines(number: int, page) -> list[_Line]:
    lines = sorted(page.extract_text_lines(return_chars=False), key=lambda item: item["top"])
    result = []
    for index, item in enumerate(lines):
        text = as_read(item["text"]).strip()
        if not text:
            continue
        edge = "top" if index < EDGE_LINES else "bottom" if index >= len(lines) - EDGE_LINES else ""
        result.append(_Line(text, number, item["top"], item["bottom"], item["x1"], edge))
    return result


def _running_key(line: _Line) -> tuple[str, str, int]:
    """A header or footer repeats its words (page numbers aside) at the same height."""
    return _DIGITS.sub("#", line.text), line.edge, round(line.top / 12)


def _running_lines(pages: list[list[_Line]]) -> set[tuple[str, str, int]]:
    """The keys of lines that sit at the same page edge on several pages."""
    counts = Counter(
        key for page in pages for key in {_running_key(line) for line in page if line.edge}
    )
    needed = max(2, min(3, len(pages) // 2))
    return {key for key, count in counts.items() if count >= needed}


def _layout_kind(line: _Line, repeated: set[tuple[str, str, int]]) -> str:
    if not line.edge:
        return ""
    # A bare number at the top of a page may be a chapter numeral ("01"); at the bottom it is
    # the page number.
    if _PAGE_NUMBER.match(line.text) and (line.edge == "bottom" or not line.text.isdigit()):
        return "页码"
    if _running_key(line) in repeated:
        return "页眉" if line.edge == "top" else "页脚"
    return ""
