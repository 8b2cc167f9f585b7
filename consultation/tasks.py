"""Scheduled jobs of the consultation, run by the job worker that `make run` starts
(``manage.py procrastinate worker``); no cron needed."""

import logging

from procrastinate.contrib.django import app

from consultation.retention import purge_due_contacts
from consultation.staff_login import forget_expired_failures

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


@app.periodic(cron="7 * * * *", periodic_id="forget-login-failures")
@app.task(
    name="consultation.forget_login_failures",
    queue="upkeep",
    queueing_lock="consultation.forget_login_failures",
)
def forget_login_failures(timestamp: int) -> None:
    """Failed staff logins past their cool-off deleted (consultation/staff_login.py)."""
    forget_expired_failures()
