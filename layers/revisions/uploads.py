"""Layer uploads as services: receive a file, look inside it, queue it, cancel it.

The pages (upload_views.py) and the API (api.py) both go through here, and the worker
(worker.py, queued by name as INGEST_TASK) runs what was queued. An uploaded file is kept in
the media storage (uploads/ under MEDIA_ROOT, or object storage that every node and job worker
reaches) with a random name the server makes; GDAL reads it by path, through a local copy where
the storage has no path (`local_copy`). The planner's file name is kept on the job as data
only, never used as a path; files larger than UPLOAD_MAX_BYTES are refused before anything is
stored. Every step a planner takes is written to the audit trail in the same
transaction.
"""

import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.core.files.storage import default_storage
from django.db import transaction
from procrastinate.contrib.django import app

from layers.ingest import (
    STANDARD_FIELDS,
    RejectedFile,
    list_layers,
    map_fields,
    open_source,
)
from layers.ingest import problems as ingest_problems
from layers.ingest.formats import ARCHIVE_EXTENSIONS, FILE_FORMATS
from layers.ingest.limits import human_bytes, limit
from layers.models import Layer, UploadJob, UploadState
from planportal.audit import record

logger = logging.getLogger(__name__)

UPLOAD_FOLDER = "uploads"
# Reading a stored file from object storage into a local copy, a megabyte at a time.
COPY_CHUNK_BYTES = 1024 * 1024
ACCEPTED_EXTENSIONS = (*ARCHIVE_EXTENSIONS, *FILE_FORMATS)
# Room for the other form fields and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 64 * 1024
SAMPLE_CHARS = 60
# UploadJob.key_field when the planner chose no key field (revisions compared by geometry);
# a blank key_field keeps the layer's own (a new layer takes BSM when the file has it).
NO_KEY = "-"
# The ingest job on the queue (registered in layers/tasks.py): deferred by name, so this module
# and the worker it runs do not import each other.
INGEST_TASK = "layers.ingest_upload"
INGEST_QUEUE = "ingest"


# --- Receiving a file ------------------------------------------------------------------------


def body_too_large(request) -> bool:
    """Whether the request announces more bytes than an upload may have: checked before
    Django reads the body, so an oversized upload is refused without being stored."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit("UPLOAD_MAX_BYTES") + FORM_OVERHEAD_BYTES


def too_large_problem() -> ingest_problems.Problem:
    return ingest_problems.error("file_too_large", limit=human_bytes(limit("UPLOAD_MAX_BYTES")))


def check_upload(uploaded) -> None:
    """Refuses a file by its size and extension before it is stored. Raises RejectedFile."""
    if uploaded.size > limit("UPLOAD_MAX_BYTES"):
        raise RejectedFile(too_large_problem())
    extension = _extension(uploaded.name)
    if extension not in ACCEPTED_EXTENSIONS:
        raise RejectedFile(
            ingest_problems.error("unknown_format", extension=extension or uploaded.name)
        )


def store_upload(uploaded) -> tuple[str, int]:
    """Keeps the upload in the media storage (Django's storage API: a folder under
    MEDIA_ROOT, or object storage every node and worker reaches) under a new random name;
    returns the name it is stored by and its size. Raises RejectedFile, keeping nothing,
    when it is larger than the limit."""
    check_upload(uploaded)
    name = f"{UPLOAD_FOLDER}/{secrets.token_hex(16)}{_extension(uploaded.name)}"
    # The file system backend writes it exclusively (O_EXCL: never over an existing file or
    # a planted link) and a name already taken gets another one, which save() returns.
    stored = default_storage.save(name, uploaded)
    try:
        size = default_storage.size(stored)
        if size > limit("UPLOAD_MAX_BYTES"):
            raise RejectedFile(too_large_problem())
    except BaseException:
        default_storage.delete(stored)
        raise
    return stored, size


def _stored_name(job) -> str:
    """The name of the job's stored file, refusing anything but a file of the upload folder."""
    name = PurePosixPath(job.stored_file)
    if name.parent != PurePosixPath(UPLOAD_FOLDER) or name.name in ("", ".", ".."):
        raise ValueError(f"job {job.pk} points outside the upload folder")
    return str(name)


@contextmanager
def local_copy(job) -> Iterator[Path]:
    """The job's stored file as a path on this machine, for GDAL, which reads by path: the
    file itself when the storage is a folder, else a copy in a temporary folder of this
    process, removed afterwards (object storage)."""
    name = _stored_name(job)
    try:
        path = Path(default_storage.path(name))
    except NotImplementedError:  # object storage: no path on this machine
        path = None
    if path is not None:
        if path.resolve().parent != Path(default_storage.path(UPLOAD_FOLDER)).resolve():
            raise ValueError(f"job {job.pk} points outside the upload folder")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="layer-upload-copy-") as folder:
        copy = Path(folder) / PurePosixPath(name).name
        with default_storage.open(name, "rb") as source, copy.open("xb") as target:
            shutil.copyfileobj(source, target, COPY_CHUNK_BYTES)
        yield copy


def remove_stored_file(job) -> None:
    """Removes the job's stored file (upload or package job); a failure is logged only."""
    try:
        default_storage.delete(_stored_name(job))
    except Exception:  # noqa: BLE001 - a file left behind must not fail the job's answer
        logger.warning("could not remove the stored file of job %s", job.pk, exc_info=True)


def _extension(name: str) -> str:
    suffix = Path(name or "").suffix.lower()
    return suffix if suffix in ACCEPTED_EXTENSIONS else suffix[:20]


# --- Looking inside ---------------------------------------------------------------------------


def receive_upload(
    user, plan, uploaded, *, collection_id: str, layer: Layer | None, title="", code=""
):
    """Stores a file from the upload page and lists its layers; the job waits (draft) for
    the planner's choices. A file refused here is removed again and raises RejectedFile."""
    relative, size = store_upload(uploaded)
    job = UploadJob(
        plan=plan,
        layer=layer,
        collection_id=collection_id,
        title=title,
        code=code.strip().upper()[:30],
        stored_file=relative,
        original_name=Path(uploaded.name).name[:255],
        size=size,
        created_by=user,
        state=UploadState.DRAFT,
    )
    try:
        with local_copy(job) as path, open_source(path, name=job.original_name) as source:
            job.inspection = {
                "layers": [
                    {
                        "name": found.name,
                        "geometry_type": found.geometry_type,
                        "feature_count": found.feature_count,
                    }
                    for found in list_layers(source)
                ],
                "fields": {},
            }
        if not job.inspection["layers"]:
            raise RejectedFile(ingest_problems.error("no_dataset"))
    except RejectedFile as rejected:
        remove_stored_file(job)
        _record_rejection(user, layer or plan, job.original_name, rejected)
        raise
    except BaseException:
        remove_stored_file(job)
        raise
    with transaction.atomic():
        job.save()
        record(user, "upload.created", job, summary=_summary(job), after=_facts(job))
    return job


def layer_fields(job: UploadJob, layer_name: str) -> dict:
    """The fields of one layer of the file with an example value each, and the notes the
    reading made (e.g. the encoding it guessed); kept on the job, as reading takes a while."""
    cached = job.inspection.get("fields", {}).get(layer_name)
    if cached is not None:
        return cached
    # The first batch gives the samples: a layer of two million features is never read
    # whole in the web process.
    # Imported here: pandas and pyarrow stay out of the web processes' memory.
    from layers.ingest.reader import stream_layer

    with (
        local_copy(job) as path,
        open_source(path, name=job.original_name) as source,
        stream_layer(source, layer_name) as stream,
    ):
        batches = stream.batches()
        first = next(batches, None)
        batches.close()  # closes the Arrow reader before the copy is removed
        notes = [problem.as_dict() for problem in stream.problems]
        names = stream.fields
    described = {
        "fields": [
            {"name": name, "sample": _sample(first.attributes[name]) if first else ""}
            for name in names
        ],
        "notes": notes,
    }
    job.inspection.setdefault("fields", {})[layer_name] = described
    job.save(update_fields=["inspection", "updated_at"])
    return described


def target_fields(layer: Layer | None) -> list[tuple[str, str]]:
    """(name, label) of the fields a source field may be mapped to: the layer's schema,
    then the standard fields of the 国土空间规划 database specification."""
    schema = (layer.attribute_schema if layer else None) or []
    targets = [(item["name"], item.get("label") or "") for item in schema if item.get("name")]
    known = {name.casefold() for name, _label in targets}
    for name, aliases in STANDARD_FIELDS.items():
        if name.casefold() not in known:
            targets.append((name, aliases[0] if aliases else ""))
    return targets


def automatic_mapping(source_fields: list[str], layer: Layer | None) -> dict[str, str]:
    """What the pipeline maps without being asked: source field -> target field."""
    schema = (layer.attribute_schema if layer else None) or []
    return map_fields(source_fields, schema).mapping


def _sample(column) -> str:
    for value in column.tolist():
        if value is None or (isinstance(value, float) and value != value):
            continue
        text = str(value)
        return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"
    return ""


# --- Queueing, cancelling ---------------------------------------------------------------------


def start_job(job: UploadJob, user, *, source_layer: str, field_mapping: dict, key_field: str):
    """Queues a draft with the planner's choices. Returns False when it is no draft any
    more (started or cancelled meanwhile)."""
    with transaction.atomic():
        locked = job.locked_transition(
            [UploadState.DRAFT],
            UploadState.QUEUED,
            source_layer=source_layer,
            field_mapping=field_mapping,
            key_field=key_field,
        )
        if locked is None:
            return False
        _defer(locked)
        record(user, "upload.queued", locked, summary=_summary(locked), after=_facts(locked))
    job.refresh_from_db()
    return True


def create_queued_job(user, plan, uploaded, *, collection_id, layer, **choices) -> UploadJob:
    """The API's way: store the file and queue it at once (the worker finds out what is in
    it; a file with several layers and no ``source_layer`` fails with the list of them)."""
    relative, size = store_upload(uploaded)
    try:
        with transaction.atomic():
            job = UploadJob(
                plan=plan,
                layer=layer,
                collection_id=collection_id,
                stored_file=relative,
                original_name=Path(uploaded.name).name[:255],
                size=size,
                created_by=user,
                title=choices.get("title") or "",
                code=(choices.get("code") or "").strip().upper()[:30],
                source_layer=choices.get("source_layer") or "",
                key_field=choices.get("key_field") or "",
                field_mapping=choices.get("field_mapping") or {},
            )
            _queue(job)
            record(user, "upload.created", job, summary=_summary(job), after=_facts(job))
    except BaseException:
        default_storage.delete(relative)
        raise
    return job


def cancel_job(job: UploadJob, user) -> bool:
    """Marks a job cancelled. A running job notices at its next progress report and rolls
    back, so it leaves no revision and no features. False when it had already finished."""
    unfinished = [state for state in UploadState.values if state not in UploadJob.FINISHED]
    with transaction.atomic():
        locked = job.locked_transition(unfinished, UploadState.CANCELLED)
        if locked is None:
            return False
        before = locked.stood_at
        was_running = before["state"] == UploadState.RUNNING
        record(
            user,
            "upload.cancelled",
            locked,
            summary=_summary(locked),
            before=before,
            after={"state": locked.state},
        )
    if not was_running:  # a running job's worker removes the file once it has stopped
        remove_stored_file(locked)
    job.refresh_from_db()
    return True


def _queue(job: UploadJob) -> None:
    """Saves the job as queued and puts it on the job queue in the same transaction (the
    queue lives in PostgreSQL), so a job is queued exactly when its row exists."""
    job.state = UploadState.QUEUED
    job.save()
    _defer(job)


def _defer(job: UploadJob) -> None:
    deferrer = app.configure_task(INGEST_TASK, queue=INGEST_QUEUE)
    job.queue_job_id = deferrer.defer(job_id=job.pk)
    job.save(update_fields=["queue_job_id"])


def _record_rejection(user, obj, name: str, rejected: RejectedFile) -> None:
    record(
        user,
        "upload.rejected",
        obj,
        summary=f"{name}: {rejected}",
        after={"file": name, "problems": [p.code for p in rejected.problems]},
    )


def _summary(job: UploadJob) -> str:
    return f"{job.collection_id}: {job.original_name}"


def _facts(job: UploadJob) -> dict:
    return {
        "state": job.state,
        "collection_id": job.collection_id,
        "file": job.original_name,
        "stored_as": os.path.basename(job.stored_file),
        "size": job.size,
        "source_layer": job.source_layer,
        "key_field": job.key_field,
        "field_mapping": job.field_mapping,
    }
