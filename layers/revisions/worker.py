"""The body of a layer upload's background job (queued as ``layers.ingest_upload``, registered
in layers/tasks.py and run by ``manage.py procrastinate worker``).

A queued UploadJob is claimed, its stored file read, checked and (when nothing rejects it)
written as the layer's next revision with ``write_revision``: the revision, its features,
the job's "done" and the audit event commit together, or not at all.

Progress is written while that transaction is open, so it cannot go through the worker's
own connection: rows updated there would stay invisible to the upload page until the commit
(and the page would see 0 % jump to 100 %). ``ProgressWriter`` therefore holds a second
database connection of its own (``connections.create_connection``: same settings, separate
session, autocommit) and writes each stage and percent with one short UPDATE that commits
at once. That same UPDATE only matches a job still "running": when the planner has cancelled
it, no row matches, the callback raises ``JobCancelled`` and the pipeline rolls back. The
final step locks the job row before it marks it done, so a cancel that arrives after the
last progress report still wins (and one that arrives after the commit is refused).
"""

import json
import logging
import time

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from layers.ingest import RejectedFile
from layers.models import Layer, LayerRevision, UploadJob, UploadState
from layers.revisions.confined import ResourceLimit, limit_reached
from layers.revisions.uploads import NO_KEY, local_copy, remove_stored_file
from planportal.audit import record

logger = logging.getLogger(__name__)

# Each stage's share of the progress bar: writing (COPY, indexes) takes most of the time.
STAGE_SPANS = {"reading": (0, 15), "checking": (15, 35), "writing": (35, 100)}
# Without a change of percent, a cancellation is still noticed within this many seconds.
CHECK_SECONDS = 0.5


class JobCancelled(Exception):
    """The planner cancelled the job while it ran."""


def run_upload_job(job_id: int) -> None:
    job = _claim(job_id)
    if job is None:
        return  # cancelled before a worker took it, or already taken
    progress = ProgressWriter(job.pk)
    try:
        _ingest(job, progress)
    except JobCancelled:
        logger.info("upload job %s was cancelled; nothing was written", job.pk)
        remove_stored_file(job)
    except RejectedFile as rejected:
        _fail(job, problems=[problem.as_dict() for problem in rejected.problems])
    except Exception as exc:
        if limit := limit_reached(exc):
            logger.warning("upload job %s stopped on a limit: %r", job.pk, exc)
            _fail(job, problems=[limit.problem()])
            return
        logger.exception("upload job %s failed", job.pk)
        _fail(job, error=f"{type(exc).__name__}: {exc}"[:1000])
        raise
    finally:
        progress.close()


class ProgressWriter:
    """The pipeline's ``progress(stage, done, total)``: writes the job's stage and percent
    through a database connection of its own, outside the ingest transaction."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self._shown: tuple[str, int] | None = None
        self._checked_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        start, end = STAGE_SPANS.get(stage, (0, 100))
        share = min(max(done / total, 0.0), 1.0) if total else 1.0
        percent = int(start + (end - start) * share)
        now = time.monotonic()
        if (stage, percent) == self._shown and now - self._checked_at < CHECK_SECONDS:
            return
        self._update("stage = %s, percent = GREATEST(percent, %s)", [stage, percent])
        self._shown, self._checked_at = (stage, percent), now

    def problems(self, stored: list[dict]) -> None:
        """The problems found so far, for the page to show while the job goes on."""
        self._update("problems = %s::jsonb", [json.dumps(stored, ensure_ascii=False)])

    def close(self) -> None:
        self.connection.close()

    def _update(self, assignments: str, params: list) -> None:
        table = self.connection.ops.quote_name(UploadJob._meta.db_table)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments}, updated_at = now() "  # noqa: S608
                "WHERE id = %s AND state = %s",
                [*params, self.job_id, UploadState.RUNNING.value],
            )
            if cursor.rowcount == 0:
                raise JobCancelled


def _claim(job_id: int) -> UploadJob | None:
    job = UploadJob.objects.select_related("plan", "created_by").filter(pk=job_id).first()
    if job is None:
        return None
    with transaction.atomic():
        claimed = job.locked_transition(
            [UploadState.QUEUED],
            UploadState.RUNNING,
            stage="reading",
            percent=0,
            started_at=timezone.now(),
        )
    if claimed is None:
        return None
    claimed.plan, claimed.created_by = job.plan, job.created_by
    return claimed


def _ingest(job: UploadJob, progress: ProgressWriter) -> None:
    # Imported here: pandas and pyarrow stay out of the web processes' memory.
    from layers.ingest.pipeline import Target, ingest_file

    target = Target(
        plan=job.plan,
        collection_id=job.collection_id,
        source_layer=job.source_layer or None,
        title=job.title,
        key_field=_key_field(job),
        field_mapping=job.field_mapping or None,
        code=job.code,
    )

    def show_problems(prepared) -> None:
        progress.problems(prepared.log.stored())

    with local_copy(job) as path:
        result = ingest_file(
            path,
            target,
            name=job.original_name,
            created_by=job.created_by,
            progress=progress,
            on_prepared=show_problems,
            on_written=lambda layer, revision: _finish(job, layer, revision),
        )
    if result.revision is None:
        _fail(job, problems=result.prepared.log.stored())


def _key_field(job: UploadJob) -> str | None:
    """The job's key field as the pipeline takes it: blank keeps the layer's, NO_KEY is none."""
    if not job.key_field:
        return None
    return "" if job.key_field == NO_KEY else job.key_field


def _finish(job: UploadJob, layer: Layer, revision: LayerRevision) -> None:
    """Marks the job done inside the ingest transaction, under the job's row lock: a cancel
    that came first makes this raise, and everything rolls back."""
    locked = job.locked_transition(
        [UploadState.RUNNING],
        UploadState.DONE,
        stage="",
        percent=100,
        layer=layer,
        revision=revision,
        problems=revision.problems,
    )
    if locked is None:
        raise JobCancelled
    record(
        job.created_by,
        "upload.done",
        locked,
        summary=f"{layer.collection_id} r{revision.number}: {job.original_name}",
        after={
            "state": locked.state,
            "layer": layer.collection_id,
            "revision": revision.number,
            "features": revision.feature_count,
            "checksum": revision.checksum,
        },
    )


def fail_stopped_job(job_id: int, limit: ResourceLimit) -> None:
    """Fails a job whose child process was killed before it could say why (the job worker's
    side of layers/revisions/confined.py); a job the child finished is left as it is."""
    job = UploadJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is not None:
        # Queued too: a child that died while it started never claimed the job.
        _fail(job, problems=[limit.problem()], states=[UploadState.QUEUED, UploadState.RUNNING])


def _fail(
    job: UploadJob,
    *,
    problems: list[dict] | None = None,
    error: str = "",
    states=(UploadState.RUNNING,),
) -> None:
    with transaction.atomic():
        changes = {"error": error} if problems is None else {"error": error, "problems": problems}
        locked = job.locked_transition(list(states), UploadState.FAILED, **changes)
        if locked is None:
            return  # cancelled meanwhile: that is what the planner asked for
        errors = [p["code"] for p in locked.problems if p.get("severity") == "error"]
        record(
            job.created_by,
            "upload.failed",
            locked,
            summary=f"{job.collection_id}: {job.original_name}",
            after={"state": locked.state, "errors": errors[:20], "error": error},
        )
    remove_stored_file(job)
