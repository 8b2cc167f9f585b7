"""The report across rounds (consultation/rounds_report.py) as files: the HTML page's
context and its self-contained document, the XLSX workbook, and the freeze for submission
(报批) — stored as every frozen report is (consultation/report_storage.py): both files under
MEDIA_ROOT with their SHA-256 in a ``FrozenReport`` row of the plan (no consultation), which
PostgreSQL refuses to change, and in the audit trail."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from consultation.exports import clean_cell, local_time
from consultation.models import FrozenReport
from consultation.report_render import page_number_css, render_standalone
from consultation.report_storage import new_version, store_frozen
from consultation.rounds_report import (
    RoundsReport,
    build_rounds_report,
    rounds_header,
    rounds_table,
)
from consultation.xlsx_style import (
    HEADING,
    new_workbook,
    set_widths,
    table_sheet,
    workbook_bytes,
    write_pairs,
    write_title,
)
from planportal.models import Plan

ROUNDS_WIDTHS = [6, 20, 20, 16, 16, 9, 12, 20, 40, 12, 32, 30, 20]
COVER_WIDTHS = [36, 40, 24, 16]


def frozen_of(plan: Plan):
    """The plan's frozen cross-round reports, newest first."""
    return FrozenReport.objects.filter(plan=plan, consultation__isnull=True).order_by("-number")


def rounds_context(report: RoundsReport, *, frozen=None) -> dict:
    return {
        "report": report,
        "plan": report.plan,
        "generated": local_time(report.generated_at),
        "frozen": frozen,
        "page_number_css": page_number_css(),
    }


def render_rounds_document(report: RoundsReport, *, frozen) -> str:
    context = rounds_context(report, frozen=frozen)
    return render_standalone("consultation/staff/rounds_report_document.html", context)


def write_rounds_xlsx(report: RoundsReport) -> bytes:
    book, cover = new_workbook()
    _write_cover(cover, report)
    table_sheet(book, _("Opinions"), rounds_header(), rounds_table(report), ROUNDS_WIDTHS)
    title = f"{report.plan.name} {_('Opinions of every round and how they were handled')}"
    return workbook_bytes(book, title)


def _write_cover(sheet: Worksheet, report: RoundsReport) -> None:
    write_title(sheet, report.plan.name, _("Opinions of every round and how they were handled"))
    sheet.append([])
    sheet.append([_("Round"), _("Notice period"), _("Version shown"), _("Opinions received")])
    for cell in sheet[sheet.max_row]:
        cell.font = HEADING
    for round_ in report.rounds:
        consultation = round_.consultation
        sheet.append(
            [
                clean_cell(consultation.title),
                consultation.period_text,
                round_.version,
                round_.report.opinions,
            ]
        )
    sheet.append([])
    write_pairs(
        sheet,
        [
            (_("Opinions received"), report.opinions),
            (_("Opinions that led to a change"), report.led_to_changes),
            (_("Comments hidden (listed in each round's report)"), report.hidden),
            *report.totals,
        ],
    )
    set_widths(sheet, COVER_WIDTHS)


@transaction.atomic
def freeze_rounds(actor: AbstractBaseUser, plan: Plan) -> FrozenReport:
    """Stores the report across rounds as it is now; the number is taken under the plan's
    row lock, so two officials freezing at once get two numbers."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    frozen = new_version(frozen_of(plan), actor, plan=plan, consultation=None)
    report = build_rounds_report(plan)
    return store_frozen(
        actor,
        frozen,
        stem=f"plan-{plan.pk}-rounds-report-v{frozen.number}",
        xlsx=write_rounds_xlsx(report),
        html=render_rounds_document(report, frozen=frozen).encode("utf-8"),
        counts=report.counts(),
        plan_id=plan.pk,
        title=f"{plan.name} {_('every round')}",
    )
