"""Freezing the report for submission (报批): the XLSX and the HTML as they are now, stored as
files under MEDIA_ROOT with their SHA-256 in the row and in the audit trail.

The version number is taken under a lock of the consultation row, so two officials freezing at
once get two numbers. The files are written before the row: if the transaction fails, an
unreferenced file may remain, never a row without its file. Later answers change the live
report only; a frozen file is read back as it was stored, and its hash is checked each time.
"""

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from consultation.models import Comment, Consultation, FrozenReport
from consultation.report import build_report
from consultation.report_render import render_document
from consultation.report_xlsx import write_report_xlsx
from planportal.audit import record
from planportal.models import AuditEvent


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@transaction.atomic
def freeze(actor: AbstractBaseUser, consultation: Consultation) -> FrozenReport:
    consultation = (
        Consultation.objects.select_for_update().select_related("plan").get(pk=consultation.pk)
    )
    last = consultation.frozen_reports.aggregate(last=Max("number"))["last"] or 0
    frozen = FrozenReport(
        consultation=consultation,
        number=last + 1,
        created_by=actor,
        created_at=timezone.now(),
    )
    report = build_report(consultation)
    xlsx = write_report_xlsx(report)
    html = render_document(report, frozen=frozen).encode("utf-8")
    stem = f"consultation-{consultation.pk}-report-v{frozen.number}"
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
        summary=f"{consultation.title} v{frozen.number} sha256 {frozen.sha256}",
        after={
            "consultation": consultation.pk,
            "plan": consultation.plan_id,
            "number": frozen.number,
            "sha256": frozen.sha256,
            "html_sha256": frozen.html_sha256,
            "file": frozen.file.name,
            "html_file": frozen.html_file.name,
            "counts": frozen.counts,
        },
    )
    return frozen


def read_checked(frozen: FrozenReport, kind: str) -> bytes | None:
    """The stored bytes of the frozen XLSX ("xlsx") or HTML ("html"), or None when they no
    longer match the hash recorded at the freeze (the file was changed or lost)."""
    stored, expected = (
        (frozen.file, frozen.sha256) if kind == "xlsx" else (frozen.html_file, frozen.html_sha256)
    )
    try:
        with stored.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        return None
    return content if sha256(content) == expected else None


def steps_since(frozen: FrozenReport) -> int:
    """How many recorded steps on the consultation's comments (answers, hiding, grouping,
    entries …) came after this version was frozen: when not zero, the live report may differ
    from what was submitted."""
    comment_ids = Comment.objects.filter(consultation_id=frozen.consultation_id).values_list(
        "pk", flat=True
    )
    return AuditEvent.objects.filter(
        object_type=Comment._meta.label_lower,
        object_id__in=[str(pk) for pk in comment_ids],
        at__gt=frozen.created_at,
    ).count()
