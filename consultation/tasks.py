"""Scheduled jobs of the consultation, run by the job worker that `make run` starts
(``manage.py procrastinate worker``); no cron needed."""

import logging

from procrastinate.contrib.django import app

from consultation.notices.delivery import deliver
from consultation.notices.queue import NOTICE_QUEUE, NOTICE_TASK
from consultation.retention import purge_due_contacts

logger = logging.getLogger(__name__)


# 19:30 UTC is 03:30 in China, when nobody is answering opinions.
@app.periodic(cron="30 19 * * *", periodic_id="purge-contacts")
@app.task(
    name="consultation.purge_contacts", queue="upkeep", queueing_lock="consultation.purge_contacts"
)
def purge_contacts(timestamp: int) -> None:
    """Contact details past CONTACT_RETENTION_DAYS purged (consultation/retention.py)."""
    purged = purge_due_contacts()
    if purged:
        logger.warning("purged the contact details of %s comments", purged)


@app.task(name=NOTICE_TASK, queue=NOTICE_QUEUE)
def send_notice(notice_id: int) -> None:
    """One e-mail or text message telling a resident that their opinion is answered
    (consultation/notices/delivery.py); its outcome is recorded on the notice."""
    deliver(notice_id)
