"""Upload jobs nobody will finish (layers/revisions/upkeep.py): a job whose worker was killed
while it ran, on a real worker process and the live server; drafts left without their choices."""

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from layers.models import Feature, Layer, LayerRevision, UploadJob
from layers.revisions.upkeep import STALLED_AFTER_SECONDS, fail_interrupted_jobs
from layers.revisions.uploads import receive_upload
from layers.tasks import upload_upkeep
from tests.factories import audit_baseline
from tests.layers.revisions.upload_helpers import (
    FeaturesLocked,
    Scene,
    audit_actions,
    gbk_parcels_zip,
    http,
    log_tail,
    start_worker,
    stop_worker,
    wait_for_job,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, live_url):
    with django_db_blocker.unblock():
        scene = Scene()
        scene.planner_user = scene.planner()
        scene.planner_token = scene.token(scene.planner_user)
    yield scene
    with django_db_blocker.unblock():
        scene.clean_up()


def queue_status(job: UploadJob) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job.queue_job_id])
        return cursor.fetchone()[0]


def end_sessions_waiting_for_locks() -> None:
    """What PostgreSQL does to the sessions of a machine that went down: they end, and their
    open transactions roll back. (A session of a killed process that waits for a lock only
    notices when the lock comes.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )


def test_a_job_whose_worker_was_killed_is_failed_with_nothing_written(
    scene, live_url, tmp_path, client
):
    collection_id = scene.collection("killed")
    revisions_before, features_before = LayerRevision.objects.count(), Feature.objects.count()
    baseline = audit_baseline()
    log = tmp_path / "worker.log"
    worker = start_worker(log)
    lock = FeaturesLocked()
    try:
        status, _, body = http(
            "POST",
            f"{live_url}/api/layers/{collection_id}/revisions/",
            token=scene.planner_token,
            fields={"plan": scene.plan.slug},
            files={"file": gbk_parcels_zip(tmp_path)},
        )
        assert status == 202, body
        job = wait_for_job(body["id"], states=("running",), stage="writing")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        end_sessions_waiting_for_locks()
    finally:
        lock.release()
        stop_worker(worker)

    # Right after the kill the worker's last heartbeat is recent: the job may still be alive.
    assert fail_interrupted_jobs() == 0
    job.refresh_from_db()
    assert job.state == "running" and queue_status(job) == "doing"

    later = timezone.now() + timedelta(seconds=STALLED_AFTER_SECONDS + 1)
    assert fail_interrupted_jobs(now=later) == 1, log_tail(log)

    job.refresh_from_db()
    assert job.state == "failed" and job.error == UploadJob.INTERRUPTED_ERROR and job.finished_at
    assert queue_status(job) == "failed"
    assert not (Path(settings.MEDIA_ROOT) / job.stored_file).exists()
    assert not Layer.objects.filter(collection_id=collection_id).exists()
    assert LayerRevision.objects.count() == revisions_before
    assert Feature.objects.count() == features_before
    assert audit_actions(baseline, job) == ["upload.created", "upload.interrupted"]

    assert fail_interrupted_jobs(now=later) == 0  # nothing twice

    # The planner learns it on the job's page, in Chinese.
    client.force_login(scene.planner_user)
    page = client.get(reverse("staff-upload-job", args=[job.pk])).content.decode()
    assert "后台任务进程在处理时停止" in page


def make_draft(scene, tmp_path, stem: str, hours_old: float) -> UploadJob:
    zipped = gbk_parcels_zip(tmp_path, name=stem)
    uploaded = SimpleUploadedFile(zipped.name, zipped.read_bytes(), "application/zip")
    job = receive_upload(
        scene.planner_user, scene.plan, uploaded, collection_id=scene.collection(stem), layer=None
    )
    UploadJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(hours=hours_old)
    )
    return job


def test_drafts_left_without_their_choices_expire_with_their_file(scene, tmp_path, settings):
    settings.UPLOAD_DRAFT_HOURS = 72
    baseline = audit_baseline()
    old = make_draft(scene, tmp_path, "old-draft", hours_old=73)
    recent = make_draft(scene, tmp_path, "recent-draft", hours_old=71)
    assert old.state == recent.state == "draft"

    upload_upkeep(timestamp=int(timezone.now().timestamp()))

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.state == "cancelled" and old.finished_at
    assert not (Path(settings.MEDIA_ROOT) / old.stored_file).exists()
    assert audit_actions(baseline, old)[-1] == "upload.expired"
    assert recent.state == "draft"
    assert (Path(settings.MEDIA_ROOT) / recent.stored_file).exists()
