"""The report across every round of a plan's 公示, for the plan's officials
(``official_required`` and ``require_moderation_right``): the page, its XLSX, the freeze for
submission (POST with the CSRF token) and the downloads of frozen versions, as the
per-round report's pages (report_views.py) do."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from consultation.exports import XLSX_TYPE, attachment
from consultation.frozen_responses import announce_frozen, audit_reading, frozen_file, require_kind
from consultation.rounds_report import build_rounds_report
from consultation.rounds_report_files import (
    freeze_rounds,
    frozen_of,
    rounds_context,
    write_rounds_xlsx,
)
from planportal.models import Plan
from planportal.roles import official_required, require_moderation_right


def _plan(user, slug: str) -> Plan:
    plan = get_object_or_404(Plan, slug=slug)
    require_moderation_right(user, plan)
    return plan


@require_GET
@official_required
def rounds_report_page(request, slug: str):
    plan = _plan(request.user, slug)
    audit_reading(request, plan)
    context = rounds_context(build_rounds_report(plan)) | {
        "frozen_versions": list(frozen_of(plan).select_related("created_by"))
    }
    return render(request, "consultation/staff/rounds_report.html", context)


@require_GET
@official_required
def rounds_report_xlsx(request, slug: str):
    plan = _plan(request.user, slug)
    content = write_rounds_xlsx(build_rounds_report(plan))
    audit_reading(request, plan, kind="xlsx")
    return attachment(content, XLSX_TYPE, f"plan-{plan.slug}-rounds-report.xlsx")


@require_POST
@official_required
def rounds_report_freeze(request, slug: str):
    announce_frozen(request, freeze_rounds(request.user, _plan(request.user, slug)))
    return redirect("plan-rounds-report", slug=slug)


@require_GET
@official_required
def rounds_frozen_download(request, slug: str, number: int, kind: str):
    require_kind(kind)
    plan = _plan(request.user, slug)
    frozen = get_object_or_404(frozen_of(plan), number=number)
    audit_reading(request, plan, kind=kind, frozen=frozen)
    return frozen_file(frozen, kind)
