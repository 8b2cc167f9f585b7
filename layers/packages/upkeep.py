"""Package jobs nobody will finish, tidied with the upload jobs every few minutes by the job
worker (``layers.tasks.upload_upkeep``, as layers/revisions/upkeep.py does for single uploads):

- a running package whose queue job is stalled or has ended (the worker died under it) is
  marked failed, so the planner is told instead of waiting; layers it had written stay as
  unpublished revisions, and the package cannot be published;
- a draft left without the planner's mapping for UPLOAD_DRAFT_HOURS is cancelled.

Either way the stored file is removed, with one audit event per job.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from layers.models import PackageJob, PackageState
from layers.revisions.upkeep import STALLED_AFTER_SECONDS, draft_hours
from layers.revisions.uploads import remove_stored_file
from planportal.audit import record

logger = logging.getLogger(__name__)

INTERRUPTED_ERROR = "Interrupted: the job worker stopped while it ran this package."


def fail_interrupted_packages(now=None) -> int:
    now = now or timezone.now()
    running = PackageJob.objects.filter(state=PackageState.RUNNING, queue_job_id__isnull=False)
    queue_ids = list(running.values_list("queue_job_id", flat=True))
    if not queue_ids:
        return 0
    beat_before = now - timedelta(seconds=STALLED_AFTER_SECONDS)
    alive = (
        ProcrastinateJob.objects.filter(id__in=queue_ids, status="doing")
        .exclude(Q(worker__isnull=True) | Q(worker__last_heartbeat__lt=beat_before))
        .values_list("id", flat=True)
    )
    failed = 0
    for job in running.exclude(queue_job_id__in=list(alive)):
        if _finish(job, PackageState.RUNNING, PackageState.FAILED, "package.interrupted"):
            failed += 1
    return failed


def expire_package_drafts(now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(hours=draft_hours())
    drafts = PackageJob.objects.filter(state=PackageState.DRAFT, updated_at__lt=cutoff)
    return sum(
        1
        for job in drafts
        if _finish(job, PackageState.DRAFT, PackageState.CANCELLED, "package.expired")
    )


def _finish(job: PackageJob, was: str, becomes: str, action: str) -> bool:
    with transaction.atomic():
        locked = PackageJob.objects.select_for_update().filter(pk=job.pk, state=was).first()
        if locked is None:
            return False  # moved on meanwhile
        locked.state = becomes
        locked.finished_at = timezone.now()
        if becomes == PackageState.FAILED:
            locked.error = INTERRUPTED_ERROR
        locked.save(update_fields=["state", "finished_at", "error", "updated_at"])
        record(
            None,
            action,
            locked,
            summary=f"{locked.plan_id}: {locked.original_name}",
            before={"state": was},
            after={"state": becomes},
        )
    remove_stored_file(locked)
    logger.warning("package job %s: %s -> %s", locked.pk, was, becomes)
    return True
