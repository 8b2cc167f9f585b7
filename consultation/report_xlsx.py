"""The report as an XLSX workbook ready to print and sign: a cover sheet (what, when, how,
where, the counts and the sign-off), the opinions sheet (意见汇总表) and the hidden comments,
styled and set up for print by xlsx_style.py."""

from django.utils.translation import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from consultation.exports import clean_cell
from consultation.report import Report, hidden_header, hidden_table, report_header, report_table
from consultation.xlsx_style import (
    HEADING,
    new_workbook,
    set_widths,
    table_sheet,
    workbook_bytes,
    write_pairs,
    write_section,
    write_title,
)

# Widths in Excel's character units (a Chinese character is about two of them).
OPINION_WIDTHS = [6, 18, 9, 12, 24, 48, 14, 40, 30, 22]
HIDDEN_WIDTHS = [6, 10, 12, 60, 36]
COVER_WIDTHS = [28, 60]


def write_report_xlsx(report: Report) -> bytes:
    book, cover = new_workbook()
    _write_cover(cover, report)
    opinions = table_sheet(
        book, _("Opinions"), report_header(), report_table(report), OPINION_WIDTHS
    )
    _sign_off(opinions, report, start=opinions.max_row + 2)
    table_sheet(book, _("Hidden comments"), hidden_header(), hidden_table(report), HIDDEN_WIDTHS)
    title = f"{report.cover.plan_name} {_('Opinions and how they were handled')}"
    return workbook_bytes(book, title)


def _write_cover(sheet: Worksheet, report: Report) -> None:
    cover = report.cover
    write_title(sheet, cover.plan_name, _("Opinions and how they were handled"))
    for row in (1, 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    sheet.append([])
    lines = [
        (_("Consultation"), cover.title),
        (_("Notice period"), f"{cover.opens.isoformat()} – {cover.last_day.isoformat()}"),
        (_("Ways of the notice"), cover.methods or _("Not recorded")),
        (_("Places of the notice"), cover.places or _("Not recorded")),
        (_("Opinions received"), report.opinions),
        (_("Entries in the table"), len(report.rows)),
        (_("Groups of opinions that say the same"), len(report.groups)),
        (_("Opinions in those groups"), report.grouped_opinions),
        (_("Comments hidden (listed apart)"), report.hidden),
    ]
    write_pairs(sheet, lines)
    write_section(sheet, _("Opinions by handling"), report.totals)
    write_section(sheet, _("Opinions by chapter"), cover.by_chapter)
    write_section(sheet, _("Opinions by stance"), cover.by_stance)
    write_section(sheet, _("Opinions by village"), cover.by_village or [(_("None"), "")])
    if cover.villages_without:
        write_pairs(sheet, [(_("Villages without an opinion"), "、".join(cover.villages_without))])
    _sign_off(sheet, report, start=sheet.max_row + 2)
    set_widths(sheet, COVER_WIDTHS)


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
