"""The report across every round of a plan's 公示, for the plan's officials
(``official_required`` and ``require_moderation_right``): the page, its XLSX, the freeze for
submission (POST with the CSRF token) and the downloads of frozen versions, as the
per-round report's pages (report_views.py) do."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consultation.exports import XLSX_TYPE, attachment, local_time
from consultation.report_freeze import read_checked
from consultation.report_views import HTML_TYPE
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
    context = rounds_context(build_rounds_report(plan)) | {
        "frozen_versions": list(frozen_of(plan).select_related("created_by"))
    }
    return render(request, "consultation/staff/rounds_report.html", context)


@require_GET
@official_required
def rounds_report_xlsx(request, slug: str):
    plan = _plan(request.user, slug)
    content = write_rounds_xlsx(build_rounds_report(plan))
    return attachment(content, XLSX_TYPE, f"plan-{plan.slug}-rounds-report.xlsx")


@require_POST
@official_required
def rounds_report_freeze(request, slug: str):
    frozen = freeze_rounds(request.user, _plan(request.user, slug))
    messages.success(
        request,
        _("Version %(number)s is frozen for submission (SHA-256 %(sha256)s).")
        % {"number": frozen.number, "sha256": frozen.sha256},
    )
    return redirect("plan-rounds-report", slug=slug)


@require_GET
@official_required
def rounds_frozen_download(request, slug: str, number: int, kind: str):
    if kind not in ("xlsx", "html"):
        raise Http404
    plan = _plan(request.user, slug)
    frozen = get_object_or_404(frozen_of(plan), number=number)
    content = read_checked(frozen, kind)
    if content is None:
        return HttpResponse(
            _("The stored file of this version no longer matches its SHA-256."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    stored = frozen.file if kind == "xlsx" else frozen.html_file
    response = attachment(
        content, XLSX_TYPE if kind == "xlsx" else HTML_TYPE, stored.name.rsplit("/", 1)[-1]
    )
    response["X-Frozen-At"] = local_time(frozen.created_at)
    return response
