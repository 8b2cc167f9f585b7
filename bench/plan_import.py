"""Plan text import benchmark: a ~100-page DOCX through the importer against python-docx
merely reading its paragraphs.

``.venv/bin/python bench/plan_import.py [--repeat 10] [--rounds 3]``, on the database of
``DATABASE_URL`` (default the local ``planportal``; nothing is left in it, see below).

- Data: the demo draft (fixtures/yangquanqu/plan-draft.txt) repeated --repeat times (default
  10) as one DOCX written with python-docx, chapters renumbered so that each repetition adds
  eight chapters (01..08, 09..16, …): chapter titles in Heading 1, section headings in
  Heading 2, list lines in List Bullet, every other line a paragraph, a page break between
  repetitions. Its length in pages is counted by setting the same text in A4 at 11 pt with
  fpdf2 and Noto Sans CJK (the chapters of the draft fill about 10 such pages; 10 repetitions
  about 100).
- Import: ``planportal.importing.parse_document`` (python-docx reading, structure) and the
  save (``Plan`` text fields and every chapter and section, as ``saving.save_import`` writes
  them, history triggers included) into a scratch plan, inside a transaction that is rolled
  back: nothing stays in the database, not even an audit event.
- Baseline: ``docx.Document`` opening the same bytes and reading each paragraph's text and
  style id, the least any DOCX import does.
- The two alternate --rounds times; medians are compared. Goal: the import under 10 s.
  Prints PASS or MISS.
"""

import argparse
import io
import os
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

import django  # noqa: E402

django.setup()

import docx  # noqa: E402
from django.db import transaction  # noqa: E402
from docx.enum.text import WD_BREAK  # noqa: E402
from fontTools.ttLib import TTCollection  # noqa: E402
from fpdf import FPDF  # noqa: E402

from planportal.importing import parse_document  # noqa: E402
from planportal.loader import _load_chapters  # noqa: E402
from planportal.models import Plan  # noqa: E402
from planportal.versions import new_draft  # noqa: E402

DRAFT = REPO / "fixtures" / "yangquanqu" / "plan-draft.txt"
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
GOAL_SECONDS = 10.0
NUMERAL = re.compile(r"^0[1-8]$")
SECTION = re.compile(r"^(- )?([1-8])\.(\d)(\s.*)$")
HEADING_2 = re.compile(r"^\d{1,2}\.\d\s")


class _Rollback(Exception):
    pass


def repeated_draft(repeat: int) -> list[str]:
    """The draft's lines ``repeat`` times, chapters and sections renumbered per repetition."""
    lines = [line.strip() for line in DRAFT.read_text(encoding="utf-8").split("\n")]
    first_chapter = lines.index("01")
    closing = next(i for i, line in enumerate(lines) if line.startswith("诚邀社会各界"))
    out: list[str] = lines[:first_chapter]
    for round_ in range(repeat):
        shift = 8 * round_
        for text in lines[first_chapter:closing]:
            if NUMERAL.match(text):
                text = f"{int(text) + shift:02d}"
            elif match := SECTION.match(text):
                text = f"{match[1] or ''}{int(match[2]) + shift}.{match[3]}{match[4]}"
            out.append(text)
        out.append("\f")
    # Cover, preface and 目录 once at the start, the closing once at the end.
    return out + lines[closing:]


def build_docx(lines: list[str]) -> bytes:
    document = docx.Document()
    after_numeral = False
    chapter_titles = set()
    for text in lines:
        if text == "\f":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            continue
        if not text:
            continue
        if after_numeral:
            document.add_paragraph(text, style="Heading 1")
            chapter_titles.add(text)
        elif HEADING_2.match(text):
            document.add_paragraph(text, style="Heading 2")
        elif text.startswith("- "):
            document.add_paragraph(text[2:], style="List Bullet")
        else:
            document.add_paragraph(text.replace("**", ""))
        after_numeral = bool(re.fullmatch(r"\d{2}", text))
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def count_pages(lines: list[str]) -> int:
    font = Path("/tmp/bench-plan-import-noto-sans-sc.otf")
    if not font.exists():
        TTCollection(str(NOTO_CJK)).fonts[2].save(str(font))
    pdf = FPDF(format="A4")
    pdf.add_font("noto", fname=str(font))
    pdf.set_font("noto", size=11)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for text in lines:
        if text == "\f":
            pdf.add_page()
        elif text:
            pdf.multi_cell(0, 6, text.replace("**", ""), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(2)
    return pdf.page_no()


def baseline(data: bytes) -> float:
    started = time.perf_counter()
    document = docx.Document(io.BytesIO(data))
    for paragraph in document.paragraphs:
        # The style id, not ``paragraph.style``: that searches the styles part each time and
        # alone takes seconds here (the importer maps ids to names once).
        _ = (paragraph.text, paragraph._p.style)
    return time.perf_counter() - started


def import_and_save(data: bytes) -> tuple[float, float, dict]:
    """(seconds to parse, seconds to parse and save, structure)."""
    started = time.perf_counter()
    structure = parse_document(data, "bench.docx")
    parsed = time.perf_counter() - started
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                name="bench",
                slug=f"bench-plan-import-{os.getpid()}",
                region_code="141181104000",
                period_start=2021,
                period_end=2035,
            )
            version = new_draft(plan, None)
            version.cover, version.preface = structure["cover"], structure["preface"]
            version.closing = structure["closing"]
            version.save(update_fields=["cover", "preface", "closing"])
            _load_chapters(version, structure["chapters"])
            raise _Rollback
    except _Rollback:
        pass
    return parsed, time.perf_counter() - started, structure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    lines = repeated_draft(args.repeat)
    data = build_docx(lines)
    pages = count_pages(lines)
    print(f"DOCX: {len(data) / 1024:.0f} KiB, {sum(1 for t in lines if t)} lines, ~{pages} pages")
    bases, parses, totals = [], [], []
    structure: dict = {}
    for _ in range(args.rounds):
        bases.append(baseline(data))
        parsed, total, structure = import_and_save(data)
        parses.append(parsed)
        totals.append(total)
    sections = sum(len(chapter["sections"]) for chapter in structure["chapters"])
    print(f"found {len(structure['chapters'])} chapters, {sections} sections")
    base, parse, total = (statistics.median(v) for v in (bases, parses, totals))
    print(f"baseline (python-docx reads the paragraphs): {base:.2f} s (median of {args.rounds})")
    print(f"import: parse + structure {parse:.2f} s, with the save {total:.2f} s")
    print(f"ratio import/baseline: {total / base:.1f}x")
    verdict = "PASS" if total < GOAL_SECONDS else "MISS"
    print(f"{verdict}: {total:.2f} s for ~{pages} pages (goal < {GOAL_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
