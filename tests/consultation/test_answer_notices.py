"""Answers that reach people: publishing an answer records a notice per way the resident can
be reached and, after the commit, queues the job that sends it (e-mail through Django's
mail framework, text messages through SMS_BACKEND); the job records the outcome."""

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from consultation import moderation
from consultation.models import Notice, NoticeChannel, NoticeStatus, Result
from consultation.notices import sms
from consultation.notices.queue import NOTICE_TASK, mobile_number
from consultation.retention import purge_due_contacts
from consultation.tasks import send_notice
from planportal.models import AuditEvent
from tests.factories import EMAIL, PHONE, make_comment

pytestmark = pytest.mark.django_db
REASON = "已在3.2节补充排水沟改造安排。"


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "consultation.notices.sms.LocmemSmsBackend"
    settings.SITE_URL = "https://ghgs.example.cn"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def queued_jobs(notice_ids) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (args->>'notice_id')::int FROM procrastinate_jobs "
            "WHERE task_name = %s AND (args->>'notice_id')::int = ANY(%s) ORDER BY 1",
            [NOTICE_TASK, list(notice_ids)],
        )
        return [row[0] for row in cursor.fetchall()]


def publish_answer(official, comment, capture, result=Result.ADOPTED):
    with capture(execute=True) as callbacks:
        moderation.answer(official, comment, result, REASON, publish=True)
    return callbacks


def run_jobs():
    for notice in Notice.objects.filter(status=NoticeStatus.QUEUED):
        send_notice(notice_id=notice.pk)


def test_publishing_an_answer_mails_and_texts_the_resident_after_the_commit(
    official, comment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.answer(official, comment, Result.ADOPTED, REASON, publish=True)
        notices = list(Notice.objects.filter(comment=comment))
        # Recorded with the answer; nothing queued or sent before the commit.
        assert {n.channel for n in notices} == {NoticeChannel.EMAIL, NoticeChannel.SMS}
        assert queued_jobs(n.pk for n in notices) == []
    assert len(callbacks) == 2 and mail.outbox == [] and sms.outbox == []
    for callback in callbacks:
        callback()
    assert queued_jobs(n.pk for n in notices) == sorted(n.pk for n in notices)

    run_jobs()

    code = f"{comment.receipt_code[:5]}-{comment.receipt_code[5:]}"
    link = f"https://ghgs.example.cn/receipts/{comment.receipt_code}/"
    [message] = mail.outbox
    assert message.to == [EMAIL] and code in message.subject
    assert code in message.body and "采纳" in message.body and link in message.body
    [(phone, text)] = sms.outbox
    assert phone == PHONE
    assert text == f"您的意见（回执码 {code}）已有答复：采纳。查看答复：{link}"
    for personal in ("张三", PHONE, EMAIL, comment.body):
        assert personal not in text and personal not in message.body
    for notice in Notice.objects.filter(comment=comment):
        assert notice.status == NoticeStatus.SENT and notice.sent_at is not None
    events = AuditEvent.objects.filter(action="notice.sent", object_id=str(comment.pk))
    assert events.count() == 2
    assert all(PHONE not in str(e.after) and EMAIL not in str(e.after) for e in events)


def test_an_answer_kept_as_a_draft_tells_nobody(
    official, comment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.answer(official, comment, Result.ADOPTED, REASON, publish=False)
    assert not Notice.objects.exists()


def test_publishing_the_comment_later_publishes_the_draft_answer_and_tells(
    official, comment, django_capture_on_commit_callbacks
):
    moderation.answer(official, comment, Result.EXPLAINED, REASON, publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.publish(official, comment)
    run_jobs()
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert "说明解释" in sms.outbox[0][1] or "不属于本规划事项" in sms.outbox[0][1]


def test_the_same_result_is_told_once_a_changed_result_again(
    official, comment, django_capture_on_commit_callbacks
):
    publish_answer(official, comment, django_capture_on_commit_callbacks)
    run_jobs()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.hide(official, comment, "误发")
        moderation.publish(official, comment)
    publish_answer(official, comment, django_capture_on_commit_callbacks)
    run_jobs()
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    publish_answer(official, comment, django_capture_on_commit_callbacks, Result.NOT_ADOPTED)
    run_jobs()
    assert len(mail.outbox) == 2 and "不予采纳" in sms.outbox[-1][1]


def test_a_failing_gateway_is_recorded_not_raised(
    official, comment, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.consultation.sms_backends.BrokenSmsBackend"
    publish_answer(official, comment, django_capture_on_commit_callbacks)
    run_jobs()  # raises nothing
    failed = Notice.objects.get(comment=comment, channel=NoticeChannel.SMS)
    assert failed.status == NoticeStatus.FAILED and failed.sent_at is None
    assert "quota exceeded" in failed.error and PHONE not in failed.error
    assert "138****5678" in failed.error
    assert Notice.objects.get(comment=comment, channel=NoticeChannel.EMAIL).status == "sent"
    event = AuditEvent.objects.get(action="notice.failed", object_id=str(comment.pk))
    assert PHONE not in str(event.after)


def test_the_officials_page_shows_the_notices_masked(
    official, official_client, comment, django_capture_on_commit_callbacks
):
    publish_answer(official, comment, django_capture_on_commit_callbacks)
    run_jobs()
    page = official_client.get(f"/staff/comments/{comment.pk}/").content.decode()
    assert 'id="notices"' in page
    assert "z***@example.cn" in page and "138****5678" in page
    assert EMAIL not in page and PHONE not in page


def test_purged_or_missing_contact_details_are_never_used(
    official, consultation, settings, django_capture_on_commit_callbacks
):
    landline = make_comment(consultation, phone="0358-1234567", email="")
    publish_answer(official, landline, django_capture_on_commit_callbacks)
    assert not Notice.objects.filter(comment=landline).exists()

    purged = make_comment(consultation, phone="", email="", contact_purged_at=timezone.now())
    publish_answer(official, purged, django_capture_on_commit_callbacks)
    assert not Notice.objects.filter(comment=purged).exists()


def test_details_purged_before_the_job_runs_are_not_used_and_the_address_goes(
    official, comment, settings, django_capture_on_commit_callbacks
):
    publish_answer(official, comment, django_capture_on_commit_callbacks)
    consultation = comment.consultation
    consultation.opens_at -= timezone.timedelta(days=400)
    consultation.closes_at -= timezone.timedelta(days=400)
    consultation.save()
    settings.CONTACT_RETENTION_DAYS = 1
    assert purge_due_contacts() == 1
    assert set(Notice.objects.filter(comment=comment).values_list("to", flat=True)) == {""}
    run_jobs()
    assert mail.outbox == [] and sms.outbox == []
    assert set(Notice.objects.values_list("status", flat=True)) == {NoticeStatus.SKIPPED}


def test_answers_through_the_staff_api_tell_too(official, comment, client):
    from tests.factories import token_header

    response = client.post(
        f"/api/comments/{comment.pk}/answer/",
        {"result": "adopted", "reason": REASON, "publish": True},
        content_type="application/json",
        **token_header(official),
    )
    assert response.status_code == 200, response.content
    assert Notice.objects.filter(comment=comment).count() == 2


def test_mobile_numbers_are_recognised():
    assert mobile_number("138 1234 5678") == "13812345678"
    assert mobile_number("+86 13812345678") == "13812345678"
    assert mobile_number("0358-1234567") == ""
