"""Residents' contact details are deleted once they are no longer needed (PIPL Art. 19).

A comment's name, phone, e-mail, guardian's name and client key (and the addresses its answer
notices went to) are emptied, and its photo deleted, when its consultation closed more than
``CONTACT_RETENTION_DAYS`` days ago (setting, default 180); the opinion's text, its place and
its answer stay, because the 意见采纳情况及理由 report must keep them. Residents are not asked
about their photo separately: a photo may show people, a house or a number plate, so the
privacy notice says it goes with the contact details (consultation/privacy.py). The files are
deleted once the purge has committed, so a purge rolled back never leaves a comment pointing
at a deleted file. Each purge sets ``contact_purged_at`` and writes
one audit event per consultation (the purged comments' ids, never the purged values). Running it
again purges nothing twice.

The job worker runs ``purge_due_contacts`` every night (consultation/tasks.py);
``manage.py purge_contacts`` runs it by hand and can report without changing anything.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from consultation.models import Comment, Consultation, Notice
from consultation.privacy import retention_days
from planportal.audit import record


def due_comments(now=None):
    """Comments whose contact details have outlived the retention period."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    return Comment.objects.filter(
        consultation__closes_at__lt=cutoff, contact_purged_at__isnull=True
    )


@transaction.atomic
def purge_consultation(consultation: Consultation, now) -> int:
    ids = list(
        due_comments(now)
        .filter(consultation=consultation)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    photos = [
        name for name in Comment.objects.filter(pk__in=ids).values_list("photo", flat=True) if name
    ]
    Comment.objects.filter(pk__in=ids).update(
        name="",
        phone="",
        email="",
        guardian_name="",
        client_key="",
        photo="",
        contact_purged_at=now,
    )
    transaction.on_commit(lambda: _delete_files(photos))
    # The addresses the answer notices went to are the same details.
    Notice.objects.filter(comment_id__in=ids).update(to="")
    record(
        None,
        "consultation.purge_contacts",
        consultation,
        summary=f"retention {retention_days()} days: contact details of {len(ids)} comments purged",
        after={"comments": ids, "photos": len(photos), "retention_days": retention_days()},
    )
    return len(ids)


def _delete_files(names: list[str]) -> None:
    storage = Comment._meta.get_field("photo").storage
    for name in names:
        storage.delete(name)  # a file already gone is no error


def due_consultations(now=None):
    """Consultations with comments whose contact details are due for purging."""
    return Consultation.objects.filter(pk__in=due_comments(now).values("consultation")).order_by(
        "pk"
    )


def purge_due_contacts(now=None) -> int:
    """Purges every due comment, one consultation (and audit event) at a time."""
    now = now or timezone.now()
    return sum(purge_consultation(consultation, now) for consultation in due_consultations(now))
