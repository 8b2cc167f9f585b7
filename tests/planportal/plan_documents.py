"""Test helpers: plan documents written from the real draft (DOCX, PDF, text) and the audit's
fidelity check (../shared/audits/2026-12/fidelity_textcmp.py) applied to an import's result.

The check: cut every content line of the draft into sentences (at 。！？!；;, list markers and
** dropped), and require each sentence, whitespace ignored, to occur in the imported text after
the previous one; whatever imported text is left over must be layout lines of the draft (chapter
titles, which the audit counts as layout), so nothing is stored twice or added.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from fontTools.ttLib import TTCollection
from fpdf import FPDF

REPO = Path(__file__).resolve().parents[2]
DRAFT = REPO / "fixtures" / "yangquanqu" / "plan-draft.txt"
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_SC_INDEX = 2  # Noto Sans CJK SC in the collection
RUNNING_HEADER = "孝义市阳泉曲镇国土空间总体规划（2021-2035年）草案公示稿"
# What PDF producers with subset fonts write for 人 and 民: Kangxi ⼈ and supplement ⺠.
RADICAL_FORMS = str.maketrans({"人": "\u2f08", "民": "\u2ea0"})
_BOLD = re.compile(r"\*\*(.+?)\*\*")
SECTION_LINE = re.compile(r"^\d\.\d\s")


def draft_text() -> str:
    return DRAFT.read_text(encoding="utf-8")


# --- the audit's classification of the draft's lines ---------------------------------------


def audit_layout(lines: list[str]) -> dict[int, str]:
    """Line number (1-based) -> layout kind, as fidelity_textcmp.py classifies the draft."""
    layout: dict[int, str] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if text and (number in (5, 7, 9, 11, 13, 21, 23) or 25 <= number <= 32):
            layout[number] = "cover/TOC"
        elif re.fullmatch(r"0\d", text):
            layout[number] = "chapter number"
    for numeral in [n for n, kind in list(layout.items()) if kind == "chapter number"]:
        title = numeral + 1
        while not lines[title - 1].strip():
            title += 1
        layout[title] = "chapter title"
        index = title + 1
        while index <= len(lines):
            text = lines[index - 1].strip()
            if not text:
                index += 1
                continue
            if re.match(r"^(- )?\d\.\d ", text) and not any(
                lines[x - 1].strip().removeprefix("- ") == text.removeprefix("- ")
                for x in range(1, index)
            ):
                later = any(
                    lines[x - 1].strip() == text.lstrip("- ")
                    for x in range(index + 1, len(lines) + 1)
                )
                if later or text.startswith("- "):
                    layout[index] = "chapter TOC"
                    index += 1
                    continue
            break
    layout[527] = "repeated page heading"
    return layout


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("**", ""))


def sentences(line: str) -> list[str]:
    line = re.sub(r"^(- |■|□|◆ ?)", "", line.strip()).replace("**", "")
    return [s.strip() for s in re.findall(r"[^。！？!；;]+[。！？!；;]?", line) if _norm(s)]


def content_sentences(draft: str) -> list[str]:
    lines = draft.split("\n")
    layout = audit_layout(lines)
    return [
        sentence
        for number, line in enumerate(lines, 1)
        if line.strip() and number not in layout
        for sentence in sentences(line)
    ]


def stored_pieces(structure: dict) -> list[str]:
    """The imported text in reading order, as the plan page shows it (cover aside)."""

    def texts(blocks):
        for block in blocks:
            yield from block["items"] if block["type"] == "list" else [block["text"]]

    pieces = list(texts(structure["preface"]))
    for chapter in structure["chapters"]:
        pieces.append(chapter["title"])
        pieces.extend(texts(chapter["intro"]))
        for section in chapter["sections"]:
            if section["blocks"]:
                pieces.append(f"{section['number']} {section['title']}")
                pieces.extend(texts(section["blocks"]))
    pieces.extend(texts(structure["closing"]))
    return pieces


def fidelity(draft: str, pieces: list[str]) -> tuple[list[str], list[str]]:
    """(sentences missing or out of order, imported text left over that is not layout)."""
    body = _norm("".join(pieces))
    used = [False] * len(body)
    position, missing = 0, []
    for sentence in content_sentences(draft):
        wanted = _norm(sentence)
        at = body.find(wanted, position)
        if at < 0:
            missing.append(sentence)
            continue
        used[at : at + len(wanted)] = [True] * len(wanted)
        position = at + len(wanted)
    lines = draft.split("\n")
    allowed = {_norm(lines[n - 1].strip().removeprefix("- ")) for n in audit_layout(lines)}
    rest = "".join("\x00" if flag else char for char, flag in zip(body, used, strict=True))
    extra = [chunk for chunk in rest.split("\x00") if chunk and not _layout_only(chunk, allowed)]
    return missing, extra


def sentences_split_between_pieces(draft: str, pieces: list[str]) -> list[str]:
    """Content sentences that no single imported piece holds whole (e.g. a sentence left
    broken at a page break)."""
    whole = [_norm(piece) for piece in pieces]
    return [
        sentence
        for sentence in content_sentences(draft)
        if not any(_norm(sentence) in piece for piece in whole)
    ]


def build_markdown(draft: str) -> str:
    """The draft as Markdown: "#" before chapter titles, "##" before section headings."""
    lines = draft.split("\n")
    layout = audit_layout(lines)
    out = []
    for number, line in enumerate(lines, 1):
        kind = layout.get(number)
        if kind == "chapter title":
            out.append(f"# {line.strip()}")
        elif SECTION_LINE.match(line.strip()) and kind in (None, "repeated page heading"):
            out.append(f"## {line.strip()}")
        else:
            out.append(line)
    return "\n".join(out)


def _layout_only(chunk: str, allowed: set[str]) -> bool:
    """Whether the chunk is made of whole layout lines (e.g. a chapter title)."""
    reachable = {0}
    for start in range(len(chunk)):
        if start in reachable:
            reachable |= {start + len(a) for a in allowed if a and chunk.startswith(a, start)}
    return len(chunk) in reachable


# --- documents written from the draft --------------------------------------------------------


def _groups(draft: str) -> list[list[tuple[int, str]]]:
    """The draft's paragraphs: runs of non-blank lines, with their line numbers."""
    groups: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(draft.split("\n"), 1):
        if line.strip():
            groups[-1].append((number, line.strip()))
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def _add_runs(paragraph, text: str) -> None:
    for index, piece in enumerate(_BOLD.split(text)):
        if piece:
            paragraph.add_run(piece).bold = index % 2 == 1 or None


def build_docx(draft: str, *, styled: bool) -> bytes:
    """A Word document of the draft: headings in Heading 1/2 styles, lists in List Bullet and
    the 目录 in "toc 1" when ``styled``; otherwise every line as a plain paragraph (the
    numbering alone tells the structure). Lines of one draft paragraph are one Word paragraph
    with line breaks; bold marks become bold runs; every page has a running header."""
    document = docx.Document()
    if styled:
        document.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    document.sections[0].header.paragraphs[0].text = RUNNING_HEADER
    layout = audit_layout(draft.split("\n"))
    for group in _groups(draft):
        paragraph = None
        for number, text in group:
            style = _docx_style(number, text, layout) if styled else None
            if style:
                item = text.removeprefix("- ") if style != "Normal" else text
                _add_runs(document.add_paragraph(style=style), item)
                paragraph = None
            elif paragraph is None:
                paragraph = document.add_paragraph()
                _add_runs(paragraph, text)
            else:
                paragraph.add_run().add_break()
                _add_runs(paragraph, text)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _docx_style(number: int, text: str, layout: dict[int, str]) -> str | None:
    kind = layout.get(number)
    if kind == "chapter title":
        return "Heading 1"
    if kind == "cover/TOC" and text.startswith("- "):
        return "toc 1"
    if SECTION_LINE.match(text) and kind in (None, "repeated page heading"):
        return "Heading 2"
    if text.startswith("- "):
        return "List Bullet"
    if kind == "chapter number":
        return "Normal"
    return None


@cache
def noto_sans_sc() -> str:
    """Noto Sans CJK SC as a single OpenType file (fpdf2 reads no font collections)."""
    target = Path(f"/tmp/planportal-test-noto-sans-sc-{NOTO_CJK.stat().st_mtime_ns}.otf")
    if not target.exists():
        TTCollection(str(NOTO_CJK)).fonts[NOTO_SC_INDEX].save(str(target))
    return str(target)


class _DraftPDF(FPDF):
    def header(self):
        self.set_font("noto", size=8)
        self.cell(0, 6, RUNNING_HEADER, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self):
        self.set_y(-15)
        self.set_font("noto", size=8)
        self.cell(0, 6, f"- {self.page_no()} -", align="C")


def build_pdf(draft: str, *, radicals: bool = False) -> bytes:
    """An A4 PDF with a text layer: the draft's lines wrapped at the margin, paragraphs set
    apart by space, a running header and page numbers on every page. With ``radicals`` the text
    layer carries ⼈ and ⺠ where the page shows 人 and 民."""
    pdf = _DraftPDF(format="A4")
    pdf.add_font("noto", fname=noto_sans_sc())
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for group in _groups(draft):
        pdf.ln(4)
        for _number, text in group:
            pdf.set_font("noto", size=11)
            # A list line shows its bullet glyph, as Word prints it (and fpdf2 does not break
            # the line after "- " when the item has no spaces to break at).
            line = _BOLD.sub(r"\1", text)
            if line.startswith("- "):
                line = "•" + line[2:]
            if radicals:
                line = line.translate(RADICAL_FORMS)
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
