"""The report's pages, for officials only (``official_required``): the live report (HTML to
read and print), its XLSX, the freeze for submission (POST with the CSRF token) and the
downloads of frozen versions. Every look at the report and every download is audited
(``audit_reading``): the report holds every opinion's text."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from consultation.exports import XLSX_TYPE, attachment
from consultation.frozen_responses import announce_frozen, audit_reading, frozen_file, require_kind
from consultation.models import Consultation, FrozenReport
from consultation.report import build_report
from consultation.report_freeze import freeze, steps_since
from consultation.report_render import report_context
from consultation.report_xlsx import write_report_xlsx
from planportal.roles import official_required, require_moderation_right


def _consultation(user, pk: int) -> Consultation:
    """The consultation, for an official of its plan (403 for others)."""
    consultation = get_object_or_404(Consultation.objects.select_related("plan"), pk=pk)
    require_moderation_right(user, consultation.plan)
    return consultation


@require_GET
@official_required
def report_page(request, pk: int):
    report = build_report(_consultation(request.user, pk))
    audit_reading(request, report.consultation)
    versions = list(report.consultation.frozen_reports.select_related("created_by"))
    context = report_context(report) | {
        "frozen_versions": versions,
        "steps_since_latest": steps_since(versions[0]) if versions else 0,
    }
    return render(request, "consultation/staff/report.html", context)


@require_GET
@official_required
def report_xlsx(request, pk: int):
    consultation = _consultation(request.user, pk)
    content = write_report_xlsx(build_report(consultation))
    audit_reading(request, consultation, kind="xlsx")
    return attachment(content, XLSX_TYPE, f"consultation-{consultation.pk}-report.xlsx")


@require_POST
@official_required
def report_freeze(request, pk: int):
    announce_frozen(request, freeze(request.user, _consultation(request.user, pk)))
    return redirect("consultation-report", pk=pk)


@require_GET
@official_required
def frozen_download(request, pk: int, number: int, kind: str):
    require_kind(kind)
    consultation = _consultation(request.user, pk)
    frozen = get_object_or_404(FrozenReport, consultation_id=pk, number=number)
    audit_reading(request, consultation, kind=kind, frozen=frozen)
    return frozen_file(frozen, kind)
