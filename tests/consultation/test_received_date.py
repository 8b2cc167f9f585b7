"""Letters, calls and visits entered by officials carry the day they were received (a letter:
its postmark) and belong to the consultation only when that day lies within the period: a
letter postmarked on the last day is accepted even when it arrives, and is entered, later."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation import moderation
from consultation.models import Channel, Comment, Stance
from consultation.periods import china_date, last_day_open
from planportal.models import AuditEvent
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(plan):
    """Opened 36 days ago; its last day was 5 days ago."""
    return make_consultation(plan, opens_days_ago=36, title="已截止的公示")


def enter(official, consultation, received_on, **fields):
    return moderation.enter_on_behalf(
        official,
        consultation,
        channel=fields.pop("channel", Channel.LETTER),
        body=fields.pop("body", "来信：建议保留村口古槐。"),
        stance=Stance.SUGGEST,
        received_on=received_on,
        **fields,
    )


def test_a_letter_postmarked_on_the_last_day_is_entered_after_the_close(official, closed):
    last = last_day_open(closed.closes_at)
    assert not closed.is_open
    comment = enter(official, closed, last)
    assert Comment.objects.get(pk=comment.pk).received_on == last
    [event] = AuditEvent.objects.filter(action="comment.enter", object_id=str(comment.pk))
    assert event.after["received_on"] == last.isoformat()
    assert last.isoformat() in event.summary


def test_an_opinion_received_after_the_last_day_is_refused_with_the_close(official, closed):
    last = last_day_open(closed.closes_at)
    with pytest.raises(moderation.ModerationError) as refused:
        enter(official, closed, last + timedelta(days=1), channel=Channel.PHONE)
    assert "晚于公示截止时间" in str(refused.value)
    assert f"{last.isoformat()} 24:00" in str(refused.value)
    assert not Comment.objects.filter(consultation=closed).exists()


def test_the_date_is_required_and_neither_in_the_future_nor_before_the_opening(
    official, consultation
):
    today = china_date(timezone.now())
    for wrong in (
        None,
        today + timedelta(days=1),
        china_date(consultation.opens_at) - timedelta(1),
    ):
        with pytest.raises(moderation.ModerationError):
            enter(official, consultation, wrong)
    assert not Comment.objects.filter(consultation=consultation).exists()
    enter(official, consultation, today)


def test_the_staff_form_asks_for_the_date_and_explains_the_postmark(official_client, closed):
    url = reverse("staff-enter", args=[closed.pk])
    page = official_client.get(url).content.decode()
    assert 'name="received_on"' in page and 'type="date"' in page
    assert "以邮戳日期为准" in page and "第二百零三条" in page
    assert f"{last_day_open(closed.closes_at).isoformat()} 24:00" in page  # the period is shown
    base = {"channel": "visit", "stance": "oppose", "body": "来访：反对调整道路走向。"}
    missing = official_client.post(url, base)
    assert missing.status_code == 400
    last = last_day_open(closed.closes_at)
    late = official_client.post(url, {**base, "received_on": (last + timedelta(1)).isoformat()})
    assert late.status_code == 400 and "晚于公示截止时间" in late.content.decode()
    assert not Comment.objects.filter(consultation=closed).exists()
    ok = official_client.post(url, {**base, "received_on": last.isoformat()})
    assert ok.status_code == 302
    comment = Comment.objects.get(consultation=closed)
    assert comment.received_on == last
    detail = official_client.get(ok["Location"]).content.decode()
    assert last.isoformat() in detail and "收到（邮戳）日期" in detail
