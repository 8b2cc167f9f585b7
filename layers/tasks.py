"""The layers app's jobs on the PostgreSQL queue (procrastinate finds them by this module's
name). The work itself lives in layers/revisions/: a job here only names it, so that the
services that queue a job (which defer it by name) and the job never import each other."""

import logging

from procrastinate.contrib.django import app

from layers import geopackage
from layers.models import PackageJob, UploadJob
from layers.ogc.docs import prune_feature_docs, write_feature_docs
from layers.packages.service import (
    PACKAGE_QUEUE,
    PACKAGE_TASK,
    fail_stopped_package,
    run_package_job,
)
from layers.packages.upkeep import expire_package_drafts, fail_interrupted_packages
from layers.revisions.confined import PACKAGE, UPLOAD, run_in_child
from layers.revisions.upkeep import expire_drafts, fail_interrupted_jobs
from layers.revisions.uploads import INGEST_QUEUE, INGEST_TASK
from layers.revisions.worker import fail_stopped_job, run_upload_job
from layers.tiles.bake import BAKE_QUEUE, BAKE_TASK, bake_revision, prune_bakes
from planportal.audit import history_context

logger = logging.getLogger(__name__)

UPKEEP_QUEUE = "upkeep"


@app.task(name=INGEST_TASK, queue=INGEST_QUEUE)
def ingest_upload(job_id: int) -> None:
    """An upload, read in a confined child process (layers/revisions/confined.py)."""
    outcome = run_in_child(UPLOAD, job_id)
    if not outcome.finished:
        fail_stopped_job(job_id, outcome.limit())


@app.task(name=PACKAGE_TASK, queue=PACKAGE_QUEUE)
def ingest_package(job_id: int) -> None:
    """A 汇交 database: every layer through the pipeline, then the checks across layers, in a
    confined child process."""
    outcome = run_in_child(PACKAGE, job_id)
    if not outcome.finished:
        fail_stopped_package(job_id, outcome.limit())


def run_ingest_job(kind: str, job_id: int) -> None:
    """The body of the child process (``manage.py run_ingest_job``), already confined."""
    model, command, run = {
        UPLOAD: (UploadJob, INGEST_TASK, run_upload_job),
        PACKAGE: (PackageJob, PACKAGE_TASK, run_package_job),
    }[kind]
    # A layer the upload creates is on the record as the uploader's, made by this job.
    job = model.objects.select_related("created_by").filter(pk=job_id).first()
    with history_context(job.created_by if job else None, command=command):
        run(job_id)


# Every 5 minutes: a planner waits at most that long to learn that a job was interrupted. The
# queueing lock keeps one run queued at a time while a long ingest holds the worker.
@app.periodic(cron="*/5 * * * *", periodic_id="upload-upkeep")
@app.task(name="layers.upload_upkeep", queue=UPKEEP_QUEUE, queueing_lock="layers.upload_upkeep")
def upload_upkeep(timestamp: int) -> None:
    """Interrupted jobs failed, abandoned drafts expired (layers/revisions/upkeep.py, and
    layers/packages/upkeep.py for 汇交 packages)."""
    failed = fail_interrupted_jobs() + fail_interrupted_packages()
    expired = expire_drafts() + expire_package_drafts()
    if failed or expired:
        logger.warning("upkeep: %s interrupted jobs failed, %s drafts expired", failed, expired)


@app.task(name=geopackage.GEOPACKAGE_TASK, queue=geopackage.GEOPACKAGE_QUEUE)
def build_geopackage(plan_id: int) -> None:
    """The plan's GeoPackage of public layers, after a publish or a withdrawal
    (layers/geopackage.py)."""
    geopackage.build(plan_id)


@app.task(name=BAKE_TASK, queue=BAKE_QUEUE)
def bake_tiles(revision_id: int) -> None:
    """What serves a just-published revision faster: its features' OGC API texts
    (layers/ogc/docs.py, seconds), then its tiles (layers/tiles/bake.py, minutes for a
    million parcels)."""
    write_feature_docs(revision_id)
    bake_revision(revision_id)


@app.periodic(cron="17 * * * *", periodic_id="tile-bake-upkeep")
@app.task(name="layers.prune_tile_bakes", queue=UPKEEP_QUEUE, queueing_lock="prune_tile_bakes")
def prune_tile_bakes(timestamp: int) -> None:
    """Hourly: the tile bakes and feature docs no layer serves any more (layers/tiles/bake.py,
    layers/ogc/docs.py)."""
    prune_bakes()
    prune_feature_docs()
