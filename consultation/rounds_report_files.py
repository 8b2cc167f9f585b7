"""The report across rounds (consultation/rounds_report.py) as files: the HTML page's
context and its self-contained document, the XLSX workbook, and the freeze for submission
(报批) — stored as the per-round report's frozen versions are (consultation/report_freeze.py):
both files under MEDIA_ROOT with their SHA-256 in a ``FrozenReport`` row of the plan (no
consultation), which PostgreSQL refuses to change, and in the audit trail."""

import io

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from consultation.exports import clean_cell, local_time
from consultation.models import FrozenReport
from consultation.report_freeze import sha256
from consultation.report_render import REPORT_CSS, page_number_css
from consultation.report_xlsx import HEADING, TITLE, print_setup, write_pairs, write_table
from consultation.rounds_report import (
    RoundsReport,
    build_rounds_report,
    rounds_header,
    rounds_table,
)
from planportal.audit import record
from planportal.models import Plan

ROUNDS_WIDTHS = [6, 20, 20, 16, 16, 9, 12, 20, 40, 12, 32, 30, 20]


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
    """One HTML file that needs nothing else: its stylesheet inlined, no links into the portal."""
    with open(finders.find(REPORT_CSS), encoding="utf-8") as css:
        stylesheet = mark_safe(css.read())  # noqa: S308 (the project's own stylesheet)
    context = rounds_context(report, frozen=frozen) | {"stylesheet": stylesheet}
    return render_to_string("consultation/staff/rounds_report_document.html", context)


def write_rounds_xlsx(report: RoundsReport) -> bytes:
    book = Workbook()
    cover = book.active
    cover.title = _("Cover")[:31]
    _write_cover(cover, report)
    opinions = book.create_sheet(_("Opinions")[:31])
    write_table(opinions, rounds_header(), rounds_table(report), ROUNDS_WIDTHS)
    title = f"{report.plan.name} {_('Opinions of every round and how they were handled')}"
    for sheet in (cover, opinions):
        print_setup(sheet, title)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_cover(sheet, report: RoundsReport) -> None:
    sheet.append([clean_cell(report.plan.name)])
    sheet.append([_("Opinions of every round and how they were handled")])
    for row in (1, 2):
        sheet.cell(row, 1).font = TITLE
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
    for index, width in enumerate([36, 40, 24, 16], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


@transaction.atomic
def freeze_rounds(actor: AbstractBaseUser, plan: Plan) -> FrozenReport:
    """Stores the report across rounds as it is now; the number is taken under the plan's
    row lock, so two officials freezing at once get two numbers."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    last = frozen_of(plan).aggregate(last=Max("number"))["last"] or 0
    frozen = FrozenReport(
        plan=plan, consultation=None, number=last + 1, created_by=actor, created_at=timezone.now()
    )
    report = build_rounds_report(plan)
    xlsx = write_rounds_xlsx(report)
    html = render_rounds_document(report, frozen=frozen).encode("utf-8")
    stem = f"plan-{plan.pk}-rounds-report-v{frozen.number}"
    frozen.file.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    frozen.html_file.save(f"{stem}.html", ContentFile(html), save=False)
    frozen.sha256 = sha256(xlsx)
    frozen.html_sha256 = sha256(html)
    frozen.counts = report.counts()
    frozen.save(force_insert=True)
    record(
        actor,
        "report.freeze",
        frozen,
        summary=f"{plan.name} {_('every round')} v{frozen.number} sha256 {frozen.sha256}",
        after={
            "consultation": None,
            "plan": plan.pk,
            "number": frozen.number,
            "sha256": frozen.sha256,
            "html_sha256": frozen.html_sha256,
            "file": frozen.file.name,
            "html_file": frozen.html_file.name,
            "counts": frozen.counts,
        },
    )
    return frozen
