"""``manage.py check_periods``: after ``chinese-calendar`` is updated, lists the consultations
whose close is earlier than the lawful close under the calendar now installed (a period
computed with the weekend fallback for a year the old release did not know, whose last day
turned out to be a holiday), and those whose last day still lies in a year it does not know.
Exits with status 1 when a consultation that has not closed yet closes too early, so that an
administrator extends it in /admin/ (an extension only ever favours the residents).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consultation.models import Consultation
from consultation.periods import lawful_period


class Command(BaseCommand):
    help = (
        "Checks every consultation's close against the lawful close under the installed "
        "holiday calendar; exits 1 when one that has not closed yet closes too early."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        too_early = 0
        for consultation in Consultation.objects.order_by("opens_at"):
            period = lawful_period(consultation.opens_at)
            for warning in period.warnings:
                self.stdout.write(f"consultation {consultation.pk}: {warning}")
            if consultation.closes_at >= period.closes_at:
                continue
            state = "closed" if consultation.closes_at <= now else "OPEN"
            too_early += state == "OPEN"
            self.stdout.write(
                f"consultation {consultation.pk} ({state}) closes {consultation.period_text}; "
                f"the lawful close is {period.last_day.isoformat()} 24:00"
            )
        if too_early:
            raise CommandError(f"{too_early} consultation(s) not yet closed close too early")
        self.stdout.write("every consultation that has not closed yet closes lawfully")
