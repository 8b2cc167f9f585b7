"""``manage.py purge_contacts [--dry-run]``: purges residents' contact details that have
outlived CONTACT_RETENTION_DAYS now, as the job worker does every night (consultation/
retention.py), or reports what would be purged.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from consultation.privacy import retention_days
from consultation.retention import due_comments, due_consultations, purge_consultation


class Command(BaseCommand):
    help = (
        "Purges name, phone, e-mail and photo of comments whose consultation closed more than "
        "CONTACT_RETENTION_DAYS days ago; keeps the text; records the purge in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be purged, change nothing"
        )

    def handle(self, *args, dry_run: bool, **options):
        now = timezone.now()
        due = due_comments(now)
        total = 0
        for consultation in due_consultations(now):
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
