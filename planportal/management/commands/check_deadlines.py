"""``manage.py check_deadlines``: the procedure's deadline warnings of every plan
(planportal/phases.py), one line each, for cron. Exits with status 1 when one is overdue (批后公布
not started within the days after an approval), so that the job's failure reaches someone;
warnings of what is due or worth a look are printed without failing.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from planportal.models import Plan
from planportal.phases import today_in_china, warnings_for_plans


class Command(BaseCommand):
    help = (
        "Prints the deadline warnings of every plan's procedure (publication of the approved "
        "plan, meeting notices); exits 1 when a deadline is overdue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="Check as on this China date (YYYY-MM-DD) instead of today.",
        )

    def handle(self, *args, **options):
        today = options["today"] or today_in_china()
        warnings = warnings_for_plans(Plan.objects.all(), today)
        for warning in warnings:
            self.stdout.write(f"{warning.plan.slug} [{warning.level}] {warning.message}")
        overdue = sum(warning.is_overdue for warning in warnings)
        if overdue:
            raise CommandError(f"{overdue} deadline(s) overdue on {today.isoformat()}")
        self.stdout.write(f"no deadline overdue on {today.isoformat()}")
