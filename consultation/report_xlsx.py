"""The report as an XLSX workbook ready to print and sign: a cover sheet (what, when, how,
where, the counts and the sign-off), the opinions sheet (意见汇总表) and the hidden comments.

Each table's header is its first row, frozen on screen and repeated on every printed page;
pages are A4 landscape, fitted to the width, with the title in the page header and "第 x 页，
共 y 页" in the footer (Excel's &P and &N codes, so every spreadsheet program counts them).
"""

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from consultation.exports import clean_cell
from consultation.report import Report, hidden_header, hidden_table, report_header, report_table

# Widths in Excel's character units (a Chinese character is about two of them).
OPINION_WIDTHS = [6, 18, 9, 12, 24, 48, 14, 40, 30, 22]
HIDDEN_WIDTHS = [6, 10, 12, 60, 36]
COVER_WIDTHS = [28, 60]

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADING = Font(bold=True)
TITLE = Font(bold=True, size=16)


def page_footer_text() -> str:
    """The footer in Excel's codes: &P is the page, &N the number of pages."""
    return pgettext("page number", "Page {page} of {pages}").format(page="&P", pages="&N")


def write_report_xlsx(report: Report) -> bytes:
    book = Workbook()
    cover = book.active
    cover.title = _("Cover")[:31]
    _write_cover(cover, report)
    opinions = book.create_sheet(_("Opinions")[:31])
    write_table(opinions, report_header(), report_table(report), OPINION_WIDTHS)
    _sign_off(opinions, report, start=opinions.max_row + 2)
    hidden = book.create_sheet(_("Hidden comments")[:31])
    write_table(hidden, hidden_header(), hidden_table(report), HIDDEN_WIDTHS)
    title = f"{report.cover.plan_name} {_('Opinions and how they were handled')}"
    for sheet in (cover, opinions, hidden):
        print_setup(sheet, title)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_table(sheet: Worksheet, headings: list[str], rows: list[list], widths: list[int]):
    sheet.append([clean_cell(h) for h in headings])
    for cell in sheet[1]:
        cell.font = HEADING
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = BORDER
    for row in rows:
        sheet.append([clean_cell(v) for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP
            cell.border = BORDER
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{len(rows) + 1}"


def _write_cover(sheet: Worksheet, report: Report) -> None:
    cover = report.cover
    sheet.append([clean_cell(cover.plan_name)])
    sheet.append([_("Opinions and how they were handled")])
    for row in (1, 2):
        sheet.cell(row, 1).font = TITLE
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    sheet.append([])
    lines = [
        (_("Consultation"), cover.title),
        (_("Notice period"), f"{cover.opens.isoformat()} – {cover.last_day.isoformat()}"),
        (_("Ways of the notice"), cover.methods or _("Not recorded")),
        (_("Places of the notice"), cover.places or _("Not recorded")),
        (_("Opinions received"), report.opinions),
        (_("Comments hidden (listed apart)"), report.hidden),
    ]
    write_pairs(sheet, lines)
    write_section(sheet, _("Opinions by handling"), report.totals)
    write_section(sheet, _("Opinions by chapter"), cover.by_chapter)
    write_section(sheet, _("Opinions by village"), cover.by_village or [(_("None"), "")])
    if cover.villages_without:
        write_pairs(sheet, [(_("Villages without an opinion"), "、".join(cover.villages_without))])
    _sign_off(sheet, report, start=sheet.max_row + 2)
    for index, width in enumerate(COVER_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def write_section(sheet: Worksheet, heading: str, pairs) -> None:
    sheet.append([])
    sheet.append([heading])
    sheet.cell(sheet.max_row, 1).font = HEADING
    write_pairs(sheet, pairs)


def write_pairs(sheet: Worksheet, pairs) -> None:
    for label, value in pairs:
        sheet.append([clean_cell(str(label)), clean_cell(value)])
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _sign_off(sheet: Worksheet, report: Report, *, start: int) -> None:
    """组织编制机关、编制单位、日期, with room for the seal: filled where the records know."""
    cover = report.cover
    lines = [
        (_("Organising authority (seal)"), cover.organisation),
        (_("Compiled by (seal)"), cover.compiled_by),
        (_("Date"), ""),
    ]
    for offset, (label, value) in enumerate(lines):
        row = start + offset * 2  # a blank row between, for the seal and the signature
        sheet.cell(row, 1, clean_cell(label)).font = HEADING
        sheet.cell(row, 2, clean_cell(value) or None)


def print_setup(sheet: Worksheet, title: str) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.oddHeader.center.text = title.replace("&", "&&")
    sheet.oddFooter.center.text = page_footer_text()
    sheet.evenHeader.center.text = sheet.oddHeader.center.text
    sheet.evenFooter.center.text = sheet.oddFooter.center.text
