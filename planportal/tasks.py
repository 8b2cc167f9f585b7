"""Scheduled upkeep of the job queue itself and of the staff login throttle."""

from procrastinate import builtin_tasks
from procrastinate.contrib.django import app

from planportal.staff_login import forget_expired_failures

QUEUE_HISTORY_HOURS = 30 * 24


# Every finished job (each upload, each scheduled run) stays as a row of procrastinate_jobs
# with its events; a month of history is enough to see what ran, and keeps the table small.
@app.periodic(cron="0 20 * * *", periodic_id="remove-old-jobs")
@app.task(
    name="planportal.remove_old_jobs",
    queue="upkeep",
    queueing_lock="planportal.remove_old_jobs",
    pass_context=True,
)
async def remove_old_jobs(context, timestamp: int) -> None:
    await builtin_tasks.remove_old_jobs(
        context,
        max_hours=QUEUE_HISTORY_HOURS,
        remove_failed=True,
        remove_cancelled=True,
        remove_aborted=True,
    )


# The task keeps the name it was first queued under, so scheduled runs survive the move.
@app.periodic(cron="7 * * * *", periodic_id="forget-login-failures")
@app.task(
    name="consultation.forget_login_failures",
    queue="upkeep",
    queueing_lock="consultation.forget_login_failures",
)
def forget_login_failures(timestamp: int) -> None:
    """Failed staff logins past their cool-off deleted (planportal/staff_login.py)."""
    forget_expired_failures()
