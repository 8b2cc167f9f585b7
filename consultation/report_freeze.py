"""Freezing the report of one round for submission (报批): the XLSX and the HTML as they are
now, stored with their SHA-256 as report_storage.py does for every frozen report.

The version number is taken under a lock of the consultation row, so two officials freezing at
once get two numbers. Later answers change the live report only; a frozen file is read back as
it was stored, and its hash is checked each time.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from consultation.models import Comment, Consultation, FrozenReport
from consultation.report import build_report
from consultation.report_render import render_document
from consultation.report_storage import new_version, store_frozen
from consultation.report_xlsx import write_report_xlsx
from planportal.models import AuditEvent


@transaction.atomic
def freeze(actor: AbstractBaseUser, consultation: Consultation) -> FrozenReport:
    consultation = (
        Consultation.objects.select_for_update().select_related("plan").get(pk=consultation.pk)
    )
    frozen = new_version(consultation.frozen_reports, actor, consultation=consultation)
    report = build_report(consultation)
    return store_frozen(
        actor,
        frozen,
        stem=f"consultation-{consultation.pk}-report-v{frozen.number}",
        xlsx=write_report_xlsx(report),
        html=render_document(report, frozen=frozen).encode("utf-8"),
        counts=report.counts(),
        plan_id=consultation.plan_id,
        title=consultation.title,
    )


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
