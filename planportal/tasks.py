"""Scheduled upkeep of the job queue itself."""

from procrastinate import builtin_tasks
from procrastinate.contrib.django import app

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
