"""Notices recorded when an answer is published, and handed to the job queue on commit.

Called by consultation/moderation.py inside the transaction that publishes the answer: the
rows land with the answer or not at all, and the job is only deferred once they are
committed (a rolled-back answer tells nobody). One notice per channel and result: publishing
again after hiding does not tell the resident twice; a changed result does.
"""

import logging
import re

from django.db import transaction
from procrastinate.contrib.django import app

from consultation.models import Comment, Notice, NoticeChannel, NoticeStatus, Reply

logger = logging.getLogger(__name__)

NOTICE_TASK = "consultation.send_notice"
NOTICE_QUEUE = "notices"
# A mainland mobile number (with or without +86 / 0086); a landline cannot take a text.
MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")


def mobile_number(phone: str) -> str:
    """The 11-digit mobile number in what the resident typed, or "" when it is none."""
    match = MOBILE.match(re.sub(r"[\s\-()]", "", phone or ""))
    return match.group(1) if match else ""


def _addresses(comment: Comment) -> list[tuple[str, str]]:
    if comment.contact_purged_at is not None:
        return []  # purged by retention: the details may no longer be used
    found = []
    if comment.email:
        found.append((NoticeChannel.EMAIL, comment.email))
    if mobile_number(comment.phone):
        found.append((NoticeChannel.SMS, mobile_number(comment.phone)))
    return found


def queue_answer_notices(comment: Comment, reply: Reply) -> list[Notice]:
    """The notices of a just-published answer, deferred to the worker after commit."""
    told = set(
        Notice.objects.filter(
            comment=comment,
            result=reply.result,
            status__in=[NoticeStatus.QUEUED, NoticeStatus.SENT],
        ).values_list("channel", flat=True)
    )
    notices = [
        Notice.objects.create(comment=comment, channel=channel, to=to, result=reply.result)
        for channel, to in _addresses(comment)
        if channel not in told
    ]
    for notice in notices:
        transaction.on_commit(lambda pk=notice.pk: defer_delivery(pk))
    return notices


def defer_delivery(notice_id: int) -> None:
    """The job that sends one notice (consultation/tasks.py). A queue that cannot be reached
    leaves the notice "queued" on the official's page; the answer itself is published."""
    try:
        app.configure_task(NOTICE_TASK, queue=NOTICE_QUEUE).defer(notice_id=notice_id)
    except Exception:
        logger.exception("the notice %s could not be queued", notice_id)
