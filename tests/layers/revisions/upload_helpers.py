"""Builders for the upload tests: GBK sample files, a real job worker, HTTP against the live
server, waiting for jobs, committed scenes.

Jobs run in a real ``manage.py procrastinate worker`` process on the session's test database
(the one ``live_url``'s gunicorn serves), which only sees committed rows. So the worker tests
make their users and layers in module fixtures that commit (``django_db_blocker.unblock()``,
never ``transactional_db``: its flush would TRUNCATE the append-only audit trail), talk HTTP
to ``live_url`` like any client, and only read the database themselves. ``Scene.clean_up``
removes what was made; users who acted stay in the audit trail, so they are deactivated.
"""

import json
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.authtoken.models import Token

from layers.models import Feature, Layer, UploadJob
from layers.revisions.uploads import remove_stored_file
from planportal.models import AuditEvent, Plan
from planportal.roles import OFFICIALS, PLANNERS
from tests.conftest import DEMO_SLUG, REPO, server_database_url, server_environment
from tests.factories import make_user
from tests.layers.ingest.samples import parcels, parcels_layer, zipped_shapefile

FINISHED = ("done", "failed", "cancelled")
GBK_WARNING = "该 Shapefile 没有 .cpg 文件，文本已按 GB18030 编码读取。"
BAD_CODE_ERROR = "第 2 个要素：YDYHFLDM 的值 9999 不是 2023 年版用地用海分类代码。"


# --- Files -----------------------------------------------------------------------------------


def gbk_parcels_zip(folder: Path, name: str = "parcels", count: int = 3, **columns) -> Path:
    """Parcels as a GBK Shapefile without .cpg (as ArcGIS on Chinese Windows writes it): the
    key under a name no standard knows (DKBH), Chinese text in DLMC and in a field 备注."""
    frame = parcels(count, **columns).rename(columns={"BSM": "DKBH"})
    if "备注" not in frame.columns:
        frame["备注"] = (["村集体", "农户承包", "林场"] * count)[:count]
    folder.mkdir(parents=True, exist_ok=True)
    return zipped_shapefile(frame, folder, name, encoding="GBK", keep_cpg=False)


def rejected_parcels_zip(folder: Path) -> Path:
    """Parcels with a land-use code that does not exist (feature 2) and a duplicate key."""
    frame = parcels(3, YDYHFLDM=["0101", "9999", "0103"])
    frame.loc[2, "BSM"] = frame.loc[0, "BSM"]
    folder.mkdir(parents=True, exist_ok=True)
    return zipped_shapefile(frame, folder, "rejected")


def stored_files(media_root: Path) -> list[Path]:
    """The uploads stored under ``media_root``."""
    folder = media_root / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- The worker ------------------------------------------------------------------------------


def assert_test_database() -> None:
    """Committing fixtures must never write into a developer's database."""
    name = connection.settings_dict["NAME"]
    assert name.startswith("test_"), f"refusing to commit test data into {name}"


def start_worker(log: Path, **settings: str) -> subprocess.Popen:
    """``manage.py procrastinate worker`` on the test database, as scripts/serve.sh starts it
    beside gunicorn (same MEDIA_ROOT as the live server), with ``settings`` in its
    environment. Its output goes to ``log``: a pipe nobody reads could stall it."""
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker", "--name", "test-uploads"],
            cwd=REPO,
            env=server_environment(
                DATABASE_URL=server_database_url(), DATABASE_CONN_MAX_AGE="0", **settings
            ),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=5)


def log_tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def wait_for_job(job_id: int, states=FINISHED, seconds: float = 90, **fields) -> UploadJob:
    """Polls the job row (committed by the worker) until its state is one of ``states`` and
    each of ``fields`` has the value given."""
    deadline = time.monotonic() + seconds
    while True:
        job = UploadJob.objects.select_related("revision").get(pk=job_id)
        if job.state in states and all(getattr(job, k) == v for k, v in fields.items()):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(
                f"job {job_id} is {job.state} {job.stage} {job.percent} %, "
                f"not {states} {fields}, after {seconds} s"
            )
        time.sleep(0.05)


def wait_for_queue_job(job: UploadJob, seconds: float = 90) -> str:
    """Waits until the worker is through with the queue's job of ``job`` (also when the
    upload job was cancelled before) and returns that job's status in the queue."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT status FROM procrastinate_jobs WHERE id = %s", [job.queue_job_id]
            )
            (status,) = cursor.fetchone()
        if status not in ("todo", "doing"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"the queue's job {job.queue_job_id} did not finish in {seconds} s")


class FeaturesLocked:
    """Holds a SHARE lock on the feature table from a connection of its own, so a worker's
    COPY of features waits inside its open transaction until ``release``: the job then
    stands still at the start of its "writing" stage."""

    def __init__(self):
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self.connection.set_autocommit(False)
        with self.connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Feature._meta.db_table} IN SHARE MODE")

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()


# --- HTTP ------------------------------------------------------------------------------------


def http(method: str, url: str, *, token: str | None = None, fields=None, files=None, **headers):
    """(status, headers, body as JSON or text) of one request to the live server."""
    sent = {"Accept": "application/json", "Accept-Language": "zh-hans", **headers}
    if token:
        sent["Authorization"] = f"Token {token}"
    body = None
    if fields is not None or files:
        with ExitStack() as stack:
            # A path, or an open file whose .name is the file name to send.
            handles = {
                name: stack.enter_context(Path(path).open("rb"))
                if isinstance(path, str | Path)
                else path
                for name, path in (files or {}).items()
            }
            body = encode_multipart(BOUNDARY, {**(fields or {}), **handles})
        sent["Content-Type"] = MULTIPART_CONTENT
    request = urllib.request.Request(url, data=body, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, answer, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, answer, raw = error.code, dict(error.headers), error.read()
    text = raw.decode("utf-8", "replace")
    if answer.get("Content-Type", "").startswith("application/json"):
        return status, answer, json.loads(text)
    return status, answer, text


# --- The audit trail -------------------------------------------------------------------------


def audit_actions(baseline: int, job: UploadJob) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            pk__gt=baseline, object_type="layers.uploadjob", object_id=str(job.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- Committed scenes ------------------------------------------------------------------------


class Scene:
    """Users and layers committed for a module of tests, and their removal afterwards."""

    def __init__(self):
        assert_test_database()
        self.suffix = secrets.token_hex(3)
        self.users = []
        self.collections = []
        self.plan = Plan.objects.get(slug=DEMO_SLUG)

    def user(self, group: str | None = PLANNERS):
        user = make_user(
            f"upload-{group or 'nobody'}-{self.suffix}-{len(self.users)}",
            group,
            is_staff=group is not None,
        )
        self.users.append(user)
        return user

    def planner(self):
        return self.user(PLANNERS)

    def official(self):
        return self.user(OFFICIALS)

    def token(self, user) -> str:
        return Token.objects.get_or_create(user=user)[0].key

    def collection(self, stem: str) -> str:
        collection_id = f"test-upload-{stem}-{self.suffix}"
        self.collections.append(collection_id)
        return collection_id

    def layer(self, stem: str, **fields) -> Layer:
        return parcels_layer(self.plan, self.collection(stem), **fields)

    def clean_up(self) -> None:
        jobs = UploadJob.objects.filter(collection_id__in=self.collections)
        for job in jobs:
            if job.stored_file and Path(settings.MEDIA_ROOT).is_dir():
                remove_stored_file(job)
        jobs.delete()
        Layer.objects.filter(collection_id__in=self.collections).delete()
        for user in self.users:
            Token.objects.filter(user=user).delete()
            user.is_active = False
            user.set_unusable_password()
            user.save()
        # Under Playwright this may be a connection of its own (Django keeps one per async
        # context); left open, it would keep the test database from being dropped.
        connection.close()
