"""Sending one notice, in the job worker: the outcome (sent, failed with the error, or not
sent because the contact details were purged meanwhile) is written on the notice with its
audit event; nothing is raised, so a broken gateway fails one notice and not the queue."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from consultation.models import Notice, NoticeChannel, NoticeStatus
from consultation.notices import texts
from consultation.notices.sms import sms_backend
from planportal.audit import record

logger = logging.getLogger(__name__)

ERROR_CHARS = 300


def _send(notice: Notice) -> None:
    comment = notice.comment
    if notice.channel == NoticeChannel.EMAIL:
        send_mail(
            texts.email_subject(comment),
            texts.email_body(comment, notice.result),
            settings.DEFAULT_FROM_EMAIL,
            [notice.to],
            fail_silently=False,
        )
    else:
        sms_backend().send(notice.to, texts.sms_text(comment, notice.result))


def _error_text(notice: Notice, error: Exception) -> str:
    """The error as recorded: its kind and message, the address in it masked."""
    text = f"{type(error).__name__}: {error}"
    if notice.to:
        text = text.replace(notice.to, notice.masked_to)
    return text[:ERROR_CHARS]


def deliver(notice_id: int) -> Notice | None:
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update()
            .select_related("comment__consultation")
            .filter(pk=notice_id, status=NoticeStatus.QUEUED)
            .first()
        )
        if notice is None:
            return None  # already sent (a retried job) or removed with its comment
        if notice.comment.contact_purged_at is not None or not notice.to:
            notice.status, notice.to = NoticeStatus.SKIPPED, ""
            notice.error = "contact details purged"
        else:
            try:
                _send(notice)
            except Exception as error:
                logger.warning("notice %s failed: %s", notice.pk, type(error).__name__)
                notice.status, notice.error = NoticeStatus.FAILED, _error_text(notice, error)
            else:
                notice.status, notice.sent_at = NoticeStatus.SENT, timezone.now()
        notice.save(update_fields=["status", "error", "sent_at", "to"])
        record(
            None,
            f"notice.{notice.status}",
            notice.comment,
            summary=f"{notice.get_channel_display()}: {notice.get_status_display()}",
            after={
                "notice": notice.pk,
                "channel": notice.channel,
                "result": notice.result,
                "status": notice.status,
                "error": notice.error,
            },
        )
    return notice
