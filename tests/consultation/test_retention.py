"""Retention: the nightly job (and ``manage.py purge_contacts``) deletes residents' contact
details a set number of days after the consultation closed, keeps the opinion, records the
purge, and does nothing twice."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from consultation import moderation
from consultation.models import Comment, Result
from planportal.models import AuditEvent
from tests.factories import PHONE, make_comment, make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def old(plan):
    """Closed 200 days ago."""
    return make_consultation(plan, opens_days_ago=230, title="早已结束的征求意见")


@pytest.fixture
def recent(plan):
    """Closed 10 days ago."""
    return make_consultation(plan, opens_days_ago=40, title="刚结束的征求意见")


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_contacts", *args, stdout=out)
    return out.getvalue()


def test_contacts_are_purged_after_the_retention_period_and_the_text_stays(official, old, recent):
    expired = make_comment(old, body="保留这段意见", client_key="ip-hash")
    moderation.answer(official, expired, Result.ADOPTED, "采纳", publish=True)
    kept = make_comment(recent)
    purge()
    expired.refresh_from_db()
    assert (expired.name, expired.phone, expired.email, expired.client_key) == ("", "", "", "")
    assert expired.body == "保留这段意见" and expired.contact_purged_at is not None
    assert expired.reply.reason == "采纳"
    kept.refresh_from_db()
    assert kept.phone == PHONE and kept.contact_purged_at is None


def test_the_purge_is_recorded_in_the_audit_trail_without_the_values(old):
    comments = [make_comment(old) for _ in range(2)]
    purge()
    event = AuditEvent.objects.get(action="consultation.purge_contacts", object_id=str(old.pk))
    assert sorted(event.after["comments"]) == sorted(c.pk for c in comments)
    assert event.after["retention_days"] == 180
    assert PHONE not in f"{event.after} {event.summary}"


def test_running_it_again_purges_nothing_twice(old):
    comment = make_comment(old)
    purge()
    first = Comment.objects.get(pk=comment.pk).contact_purged_at
    output = purge()
    assert "purged 0 comments" in output
    assert Comment.objects.get(pk=comment.pk).contact_purged_at == first
    assert AuditEvent.objects.filter(action="consultation.purge_contacts").count() == 1


def test_a_dry_run_reports_and_changes_nothing(old):
    comment = make_comment(old)
    output = purge("--dry-run")
    assert "would purge contact details of 1 comments" in output
    assert Comment.objects.get(pk=comment.pk).phone == PHONE
    assert not AuditEvent.objects.filter(action="consultation.purge_contacts").exists()


def test_the_retention_period_is_a_setting(settings, recent):
    comment = make_comment(recent)
    settings.CONTACT_RETENTION_DAYS = 7
    purge()
    assert Comment.objects.get(pk=comment.pk).phone == ""
    event = AuditEvent.objects.get(action="consultation.purge_contacts")
    assert event.after["retention_days"] == 7


def test_an_open_consultation_is_never_purged(comment, settings):
    settings.CONTACT_RETENTION_DAYS = 0
    purge()
    assert Comment.objects.get(pk=comment.pk).phone == PHONE


def test_the_job_worker_purges_every_night_with_the_same_rules(old, recent):
    from procrastinate.contrib.django import app

    from consultation.tasks import purge_contacts

    expired, kept = make_comment(old), make_comment(recent)

    purge_contacts(timestamp=int(timezone.now().timestamp()))

    expired.refresh_from_db()
    kept.refresh_from_db()
    assert expired.phone == "" and expired.contact_purged_at is not None
    assert kept.phone == PHONE
    schedules = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert schedules["consultation.purge_contacts"] == "30 19 * * *"  # 03:30 in China
