"""``manage.py purge_contacts [--dry-run]``: deletes residents' contact details once they are
no longer needed (PIPL Art. 19).

A comment's name, phone, e-mail and client key are emptied when its consultation closed more
than ``CONTACT_RETENTION_DAYS`` days ago (setting, default 180); the opinion's text, its place
and its answer stay, because the 意见采纳情况及理由 report must keep them. Each purge sets
``contact_purged_at`` and writes one audit event per consultation (the purged comments' ids,
never the purged values). Running it again purges nothing twice. Run it daily from cron or a
systemd timer.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from consultation.models import Comment, Consultation
from planportal.audit import record

DEFAULT_RETENTION_DAYS = 180


def retention_days() -> int:
    return int(getattr(settings, "CONTACT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


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
    Comment.objects.filter(pk__in=ids).update(
        name="", phone="", email="", client_key="", contact_purged_at=now
    )
    record(
        None,
        "consultation.purge_contacts",
        consultation,
        summary=f"retention {retention_days()} days: contact details of {len(ids)} comments purged",
        after={"comments": ids, "retention_days": retention_days()},
    )
    return len(ids)


class Command(BaseCommand):
    help = (
        "Purges name, phone and e-mail of comments whose consultation closed more than "
        "CONTACT_RETENTION_DAYS days ago; keeps the text; records the purge in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be purged, change nothing"
        )

    def handle(self, *args, dry_run: bool, **options):
        now = timezone.now()
        due = due_comments(now)
        consultations = Consultation.objects.filter(pk__in=due.values("consultation")).order_by(
            "pk"
        )
        total = 0
        for consultation in consultations:
            if dry_run:
                count = due.filter(consultation=consultation).count()
                verb = "would purge"
            else:
                count = purge_consultation(consultation, now)
                verb = "purged"
            total += count
            self.stdout.write(
                f"consultation {consultation.pk} (closed {consultation.closes_at:%Y-%m-%d}): "
                f"{verb} contact details of {count} comments"
            )
        self.stdout.write(
            f"{'would purge' if dry_run else 'purged'} {total} comments in total "
            f"(retention {retention_days()} days)"
        )
