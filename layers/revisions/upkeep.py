"""Upload jobs that nobody will finish, tidied every few minutes by the job worker
(``layers.tasks.upload_upkeep``).

- Interrupted jobs. A worker that dies while it ingests (a restart, the machine going down,
  the kernel killing it) cannot mark its job failed. PostgreSQL rolled its transaction back,
  so nothing was written; but the job would say "running" forever and the planner would wait
  for it. The queue knows: every worker writes a heartbeat, and a job still "doing" whose
  worker has stopped beating (or has been pruned) is stalled. Such jobs, and running jobs
  whose queue job has ended without them, are marked failed, with their file removed.
- Abandoned drafts. A file uploaded but never started (the planner never picked the layer
  and fields) keeps its stored file: after UPLOAD_DRAFT_HOURS it expires, which cancels it
  and removes the file.

Every change is one audit event, and each job is locked and re-checked before it changes, so
a job the worker or the planner finishes meanwhile is left alone.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from layers.models import UploadJob, UploadState
from layers.revisions.uploads import remove_stored_file
from planportal.audit import record

logger = logging.getLogger(__name__)

# Workers beat every 10 s and procrastinate itself calls a worker stalled after 30 s without;
# a minute leaves room for a worker busy on a large file.
STALLED_AFTER_SECONDS = 60


def draft_hours() -> int:
    return int(settings.UPLOAD_DRAFT_HOURS)


def interrupted_jobs(now=None) -> list[UploadJob]:
    """Running upload jobs whose queue job is stalled or has ended."""
    now = now or timezone.now()
    running = UploadJob.objects.filter(state=UploadState.RUNNING, queue_job_id__isnull=False)
    queue_ids = list(running.values_list("queue_job_id", flat=True))
    if not queue_ids:
        return []
    beat_before = now - timedelta(seconds=STALLED_AFTER_SECONDS)
    alive = (
        ProcrastinateJob.objects.filter(id__in=queue_ids, status="doing")
        .exclude(Q(worker__isnull=True) | Q(worker__last_heartbeat__lt=beat_before))
        .values_list("id", flat=True)
    )
    return list(running.exclude(queue_job_id__in=list(alive)))


def fail_interrupted_jobs(now=None) -> int:
    failed = 0
    for job in interrupted_jobs(now):
        if _fail_interrupted(job):
            failed += 1
    return failed


def _fail_interrupted(job: UploadJob) -> bool:
    with transaction.atomic():
        locked = job.locked_transition(
            [UploadState.RUNNING], UploadState.FAILED, error=UploadJob.INTERRUPTED_ERROR
        )
        if locked is None:
            return False
        before = locked.stood_at
        _end_queue_job(locked.queue_job_id)
        record(
            None,
            "upload.interrupted",
            locked,
            summary=f"{locked.collection_id}: {locked.original_name}",
            before=before,
            after={"state": locked.state, "error": UploadJob.INTERRUPTED_ERROR},
        )
    remove_stored_file(locked)
    logger.warning("upload job %s was interrupted: marked failed", locked.pk)
    return True


def _end_queue_job(queue_job_id: int) -> None:
    """Marks a stalled queue job failed with procrastinate's own function, so that no worker
    picks it up again and the queue's views agree with the upload's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT procrastinate_finish_job_v1(id, 'failed', false) "
            "FROM procrastinate_jobs WHERE id = %s AND status IN ('todo', 'doing')",
            [queue_job_id],
        )


def expired_drafts(now=None):
    cutoff = (now or timezone.now()) - timedelta(hours=draft_hours())
    return UploadJob.objects.filter(state=UploadState.DRAFT, updated_at__lt=cutoff)


def expire_drafts(now=None) -> int:
    expired = 0
    for job in expired_drafts(now):
        with transaction.atomic():
            locked = job.locked_transition([UploadState.DRAFT], UploadState.CANCELLED)
            if locked is None:
                continue
            record(
                None,
                "upload.expired",
                locked,
                summary=f"{locked.collection_id}: {locked.original_name}",
                before={"state": UploadState.DRAFT},
                after={"state": locked.state, "after_hours": draft_hours()},
            )
        remove_stored_file(locked)
        expired += 1
    return expired
