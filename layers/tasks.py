"""The background job of a layer upload, run by ``manage.py procrastinate worker``.

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
from procrastinate.contrib.django import app

from layers.ingest import (
    RejectedFile,
    dominant_geometry_type,
    map_fields,
    open_source,
    prepare_raw_layer,
    read_layer,
    write_revision,
)
from layers.models import Layer, LayerRevision, UploadJob, UploadState
from layers.upkeep import expire_drafts, fail_interrupted_jobs
from layers.uploads import NO_KEY, remove_stored_file, stored_path
from planportal.audit import record

logger = logging.getLogger(__name__)

QUEUE = "ingest"
UPKEEP_QUEUE = "upkeep"
# Each stage's share of the progress bar: writing (COPY, indexes) takes most of the time.
STAGE_SPANS = {"reading": (0, 15), "checking": (15, 35), "writing": (35, 100)}
# Without a change of percent, a cancellation is still noticed within this many seconds.
CHECK_SECONDS = 0.5


class JobCancelled(Exception):
    """The planner cancelled the job while it ran."""


@app.task(name="layers.ingest_upload", queue=QUEUE)
def ingest_upload(job_id: int) -> None:
    run_upload_job(job_id)


# Every 5 minutes: a planner waits at most that long to learn that a job was interrupted. The
# queueing lock keeps one run queued at a time while a long ingest holds the worker.
@app.periodic(cron="*/5 * * * *", periodic_id="upload-upkeep")
@app.task(name="layers.upload_upkeep", queue=UPKEEP_QUEUE, queueing_lock="layers.upload_upkeep")
def upload_upkeep(timestamp: int) -> None:
    """Interrupted jobs failed, abandoned drafts expired (layers/upkeep.py)."""
    failed, expired = fail_interrupted_jobs(), expire_drafts()
    if failed or expired:
        logger.warning("upkeep: %s interrupted jobs failed, %s drafts expired", failed, expired)


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
    with transaction.atomic():
        job = (
            UploadJob.objects.select_for_update(of=("self",))
            .select_related("plan", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.state != UploadState.QUEUED:
            return None
        job.state = UploadState.RUNNING
        job.stage = "reading"
        job.percent = 0
        job.started_at = timezone.now()
        job.save(update_fields=["state", "stage", "percent", "started_at", "updated_at"])
    return job


def _ingest(job: UploadJob, progress: ProgressWriter) -> None:
    with open_source(stored_path(job), name=job.original_name) as source:
        progress("reading", 0, 1)
        raw = read_layer(source, job.source_layer or None)
        progress("reading", 1, 1)
        layer, changed = _target_layer(job, raw)
        prepared = prepare_raw_layer(
            layer,
            raw,
            source_name=job.original_name,
            checksum=source.checksum,
            field_mapping=job.field_mapping or None,
            progress=progress,
        )
    stored = prepared.log.stored()
    progress.problems(stored)
    if prepared.rejected:
        _fail(job, problems=stored)
        return
    with transaction.atomic():
        if changed:  # only then: the row lock would hold up publishing until the commit
            layer.save(update_fields=changed)
        revision = write_revision(
            layer,
            prepared,
            created_by=job.created_by,
            source_name=job.original_name,
            progress=progress,
        )
        _finish(job, layer, revision)


def _target_layer(job: UploadJob, raw) -> tuple[Layer, list[str]]:
    """The layer the upload is for and which of its fields the upload changes: the existing
    one (with the key field and title the planner gave), or a new, unsaved one shaped by the
    data, which write_revision saves with its first revision."""
    layer = Layer.objects.select_related("plan").filter(collection_id=job.collection_id).first()
    if layer is not None:
        if layer.plan_id != job.plan_id:
            raise ValueError(f"layer {layer.collection_id} belongs to another plan")
        wanted = {
            "key_field": _key_field(job) if job.key_field else layer.key_field,
            "title": job.title or layer.title,
        }
        changed = [name for name, value in wanted.items() if getattr(layer, name) != value]
        for name in changed:
            setattr(layer, name, wanted[name])
        return layer, changed
    fields = [c for c in raw.frame.columns if c != raw.frame.geometry.name]
    key = _key_field(job)
    if not job.key_field:
        key = "BSM" if "BSM" in map_fields(fields, [], job.field_mapping).targets else ""
    layer = Layer(
        plan=job.plan,
        collection_id=job.collection_id,
        title=(job.title or raw.layer.name)[:200],
        geometry_type=dominant_geometry_type(raw.frame.geometry.values),
        key_field=key,
    )
    return layer, []


def _key_field(job: UploadJob) -> str:
    return "" if job.key_field == NO_KEY else job.key_field


def _finish(job: UploadJob, layer: Layer, revision: LayerRevision) -> None:
    """Marks the job done inside the ingest transaction, under the job's row lock: a cancel
    that came first makes this raise, and everything rolls back."""
    locked = UploadJob.objects.select_for_update().get(pk=job.pk)
    if locked.state != UploadState.RUNNING:
        raise JobCancelled
    locked.state = UploadState.DONE
    locked.stage = ""
    locked.percent = 100
    locked.layer = layer
    locked.revision = revision
    locked.problems = revision.problems
    locked.finished_at = timezone.now()
    locked.save()
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


def _fail(job: UploadJob, *, problems: list[dict] | None = None, error: str = "") -> None:
    with transaction.atomic():
        locked = UploadJob.objects.select_for_update().get(pk=job.pk)
        if locked.state != UploadState.RUNNING:
            return  # cancelled meanwhile: that is what the planner asked for
        locked.state = UploadState.FAILED
        locked.problems = problems if problems is not None else locked.problems
        locked.error = error
        locked.finished_at = timezone.now()
        locked.save()
        errors = [p["code"] for p in locked.problems if p.get("severity") == "error"]
        record(
            job.created_by,
            "upload.failed",
            locked,
            summary=f"{job.collection_id}: {job.original_name}",
            after={"state": locked.state, "errors": errors[:20], "error": error},
        )
    remove_stored_file(job)
