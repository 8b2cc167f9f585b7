"""A 汇交 package through the API, run by a real job worker (``manage.py procrastinate worker``)
on the test database behind the live gunicorn server, as `make run` runs it: the job's
per-layer progress ends with every layer written and the checks across layers done."""

import json
import time

import pytest

from layers.models import Layer, PackageJob, PackageState
from planportal.models import Plan
from tests.factories import make_plan
from tests.layers.packages.package_helpers import OVERLAP_HA, package_layers, write_geopackage
from tests.layers.revisions.upload_helpers import Scene, http, log_tail, start_worker, stop_worker

pytestmark = pytest.mark.django_db

SLUG = "worker-package-town"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, live_url, tmp_path_factory):
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        scene = Scene()
        scene.planner_user = scene.planner()
        scene.planner_token = scene.token(scene.planner_user)
        scene.town = make_plan(SLUG)
        worker = start_worker(log)
    scene.log = log
    yield scene
    stop_worker(worker)
    with django_db_blocker.unblock():
        Layer.objects.filter(plan=scene.town).update(published_revision=None)
        Layer.objects.filter(plan=scene.town).delete()
        PackageJob.objects.filter(plan=scene.town).delete()
        Plan.objects.filter(pk=scene.town.pk).delete()
        scene.clean_up()


def wait_for_package(job_id: int, seconds: float = 120) -> PackageJob:
    deadline = time.monotonic() + seconds
    while True:
        job = PackageJob.objects.get(pk=job_id)
        if job.state in PackageJob.FINISHED:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"package {job_id} is {job.state} after {seconds} s")
        time.sleep(0.1)


def test_the_worker_writes_every_layer_and_checks_them_across(scene, live_url, tmp_path):
    path = write_geopackage(tmp_path / "huijiao.gpkg", package_layers())
    status, headers, body = http(
        "POST",
        f"{live_url}/api/plans/{SLUG}/packages/",
        token=scene.planner_token,
        fields={"mapping": json.dumps({"QTTC": "skip"}), "data_status": "official"},
        files={"file": path},
    )
    assert status == 202, body
    assert body["state"] == "queued"
    assert headers["Location"] == body["url"]
    job = wait_for_package(body["id"])
    assert job.state == PackageState.DONE, (job.error, log_tail(scene.log))
    states = {entry["name"]: (entry["state"], entry["percent"]) for entry in job.entries}
    assert states == {
        "XZQ": ("done", 100),
        "YJJBNT": ("done", 100),
        "城镇开发边界": ("done", 100),
        "QTTC": ("", 0),
    }
    assert job.crosscheck["overlaps"][0]["hectares"] == pytest.approx(OVERLAP_HA, abs=0.001)
    status, _headers, detail = http("GET", f"{live_url}{body['url']}", token=scene.planner_token)
    assert status == 200
    assert detail["crosscheck"]["warnings"] == 2
    assert Layer.objects.filter(plan=scene.town, data_status="official").count() == 3
