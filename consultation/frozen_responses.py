"""What the pages of both reports (report_views.py, rounds_report_views.py) answer about their
frozen versions: the message after a freeze and the download of a frozen file, handed out only
while it still matches the SHA-256 recorded at the freeze."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from consultation.exports import XLSX_TYPE, attachment, local_time
from consultation.models import FrozenReport
from consultation.report_storage import read_checked
from planportal.audit import record

HTML_TYPE = "text/html; charset=utf-8"
KINDS = ("xlsx", "html")


def require_kind(kind: str) -> None:
    """404 for a file kind a frozen version does not have."""
    if kind not in KINDS:
        raise Http404


def audit_reading(request, subject, *, kind: str = "", frozen: FrozenReport | None = None):
    """Records that the report of ``subject`` (a consultation, or a plan for the report
    across rounds) was read: its page (no ``kind``), or a download of its live XLSX or of a
    frozen version's file."""
    if not kind:
        record(request.user, "report.view", subject, summary=_("Report page"))
        return
    version = frozen.number if frozen is not None else None
    summary = (
        _("Frozen version %(number)s (%(kind)s)") % {"number": version, "kind": kind}
        if frozen is not None
        else _("Live report (%(kind)s)") % {"kind": kind}
    )
    record(
        request.user,
        "report.download",
        subject,
        summary=summary,
        after={"format": kind, "frozen_version": version},
    )


def announce_frozen(request, frozen: FrozenReport) -> None:
    messages.success(
        request,
        _("Version %(number)s is frozen for submission (SHA-256 %(sha256)s).")
        % {"number": frozen.number, "sha256": frozen.sha256},
    )


def frozen_file(frozen: FrozenReport, kind: str) -> HttpResponse:
    """The stored XLSX or HTML as an attachment under its stored name, with the time it was
    frozen; 409 when the file no longer matches its hash."""
    content = read_checked(frozen, kind)
    if content is None:
        # Never hand out a file that is not what was frozen: say so instead.
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
