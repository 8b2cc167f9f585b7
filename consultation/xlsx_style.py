"""How the reports' workbooks look, for the report of one round (report_xlsx.py) and the
report across every round (rounds_report_files.py) alike: a cover sheet first, tables with
bordered, wrapped cells, and every sheet ready to print and sign.

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

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADING = Font(bold=True)
TITLE = Font(bold=True, size=16)


def page_footer_text() -> str:
    """The footer in Excel's codes: &P is the page, &N the number of pages."""
    return pgettext("page number", "Page {page} of {pages}").format(page="&P", pages="&N")


def new_workbook() -> tuple[Workbook, Worksheet]:
    """A workbook and its first sheet, the cover."""
    book = Workbook()
    cover = book.active
    cover.title = _("Cover")[:31]
    return book, cover


def table_sheet(
    book: Workbook, name: str, headings: list[str], rows: list[list], widths: list[int]
) -> Worksheet:
    """A new sheet holding one table (a sheet's name is at most 31 characters)."""
    sheet = book.create_sheet(name[:31])
    write_table(sheet, headings, rows, widths)
    return sheet


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
    set_widths(sheet, widths)
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{len(rows) + 1}"


def write_title(sheet: Worksheet, plan_name: str, heading: str) -> None:
    """The cover's first two rows, in large type: the plan and what the report is."""
    sheet.append([clean_cell(plan_name)])
    sheet.append([heading])
    for row in (1, 2):
        sheet.cell(row, 1).font = TITLE


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


def set_widths(sheet: Worksheet, widths: list[int]) -> None:
    """Column widths from A on, in Excel's character units (a Chinese character is about two
    of them)."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


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


def workbook_bytes(book: Workbook, title: str) -> bytes:
    """The workbook as a file, every sheet set up for print under ``title``."""
    for sheet in book.worksheets:
        print_setup(sheet, title)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
