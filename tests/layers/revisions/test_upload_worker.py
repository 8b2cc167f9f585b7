"""Uploads through the API, run by a real job worker (``manage.py procrastinate worker``) on
the test database behind the live gunicorn server: the job's result, its progress while the
revision is still being written, cancellation, a rejected file, and the audit trail; NaN and
infinite coordinates refused by feature number and long Chinese file names (issue 14)."""

import io

import pyogrio
import pytest
from django.conf import settings

from layers.models import Feature, Layer, LayerRevision, UploadJob
from tests.factories import audit_baseline
from tests.layers.ingest.broken_coordinates import X, Y, broken_polygons, feature, polygon, ring
from tests.layers.ingest.broken_coordinates import write as write_geojson
from tests.layers.ingest.samples import parcels
from tests.layers.revisions.upload_helpers import (
    BAD_CODE_ERROR,
    GBK_WARNING,
    FeaturesLocked,
    Scene,
    audit_actions,
    gbk_parcels_zip,
    http,
    log_tail,
    rejected_parcels_zip,
    start_worker,
    stop_worker,
    wait_for_job,
    wait_for_queue_job,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, live_url, tmp_path_factory):
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        scene = Scene()
        scene.planner_user = scene.planner()
        scene.planner_token = scene.token(scene.planner_user)
        scene.existing = scene.layer("existing")
        scene.rejected = scene.layer("rejected")
        scene.watched = scene.layer("watched")
        scene.broken = scene.layer("broken")
        scene.named = scene.layer("named")
        worker = start_worker(log)
    scene.log = log
    yield scene
    stop_worker(worker)
    with django_db_blocker.unblock():
        scene.clean_up()


def post_upload(live_url, scene, collection_id, path, **fields):
    return http(
        "POST",
        f"{live_url}/api/layers/{collection_id}/revisions/",
        token=scene.planner_token,
        fields=fields,
        files={"file": path},
    )


def test_an_upload_through_the_api_creates_a_layer_and_its_first_revision(
    scene, live_url, tmp_path
):
    collection_id = scene.collection("api-new")
    baseline = audit_baseline()

    status, headers, body = post_upload(
        live_url,
        scene,
        collection_id,
        gbk_parcels_zip(tmp_path, "规划地块"),
        plan=scene.plan.slug,
        title="规划地块（接口）",
        mapping='{"DKBH": "BSM"}',
    )

    assert status == 202, body
    assert body["state"] == "queued" and body["url"] == f"/api/upload-jobs/{body['id']}/"
    assert headers["Location"] == body["url"]
    job = wait_for_job(body["id"])
    assert job.state == "done", log_tail(scene.log)

    layer = Layer.objects.get(collection_id=collection_id)
    assert (layer.title, layer.geometry_type, layer.key_field) == (
        "规划地块（接口）",
        "Polygon",
        "BSM",
    )
    assert layer.published_revision is None
    # Not public until a planner has said what it is; no coordinates unless chosen.
    assert layer.public_policy == "tiles-only" and layer.section is None
    assert (layer.data_status, layer.source_note, layer.publication_note) == ("", "", "")
    features = Feature.objects.filter(revision=job.revision).order_by("pk")
    assert [f.properties["DLMC"] for f in features] == ["水田", "旱地", "乔木林地"]
    assert [f.properties["BSM"] for f in features] == [f.properties["DKBH"] for f in features]

    status, _, followed = http("GET", live_url + body["url"], token=scene.planner_token)
    assert status == 200
    assert (followed["state"], followed["percent"], followed["finished"]) == ("done", 100, True)
    assert followed["revision"]["number"] == 1 and followed["revision"]["feature_count"] == 3
    assert followed["revision"]["url"] == f"/staff/layers/{collection_id}/revisions/1/"
    assert GBK_WARNING in [problem["message"] for problem in followed["problems"]]

    # GET on the same path is the revision list of the revision API, not refused here.
    status, _, listed = http(
        "GET", f"{live_url}/api/layers/{collection_id}/revisions/", token=scene.planner_token
    )
    assert status == 200 and "1" in str(listed)
    assert audit_actions(baseline, job) == ["upload.created", "upload.done"]


def test_progress_is_visible_while_the_revision_is_written_in_its_transaction(
    scene, live_url, tmp_path
):
    layer = scene.watched
    lock = FeaturesLocked()
    try:
        status, _, body = post_upload(
            live_url,
            scene,
            layer.collection_id,
            gbk_parcels_zip(tmp_path),
            mapping='{"DKBH": "BSM"}',
        )
        assert status == 202, body
        seen = []
        job = wait_for_job(body["id"], states=("running",), stage="writing")
        seen.append((job.state, job.stage, job.percent))
        # The worker's transaction is open (its COPY waits for our lock) and has a revision
        # row nobody else sees yet, but its progress is there for everyone.
        assert job.percent == 35
        assert not LayerRevision.objects.filter(layer=layer).exists()
        assert GBK_WARNING in [problem["message"] for problem in job.problems]
        status, _, followed = http("GET", live_url + body["url"], token=scene.planner_token)
        assert (followed["state"], followed["stage"], followed["percent"]) == (
            "running",
            "writing",
            35,
        )
        assert followed["stage_label"] and followed["revision"] is None
    finally:
        lock.release()

    job = wait_for_job(body["id"])
    seen.append((job.state, job.stage, job.percent))
    assert seen == [("running", "writing", 35), ("done", "", 100)], log_tail(scene.log)
    assert job.revision.layer == layer and job.revision.feature_count == 3


def test_cancelling_a_running_job_leaves_no_layer_no_revision_and_no_features(
    scene, live_url, tmp_path
):
    collection_id = scene.collection("cancelled")
    baseline = audit_baseline()
    revisions_before = LayerRevision.objects.count()
    features_before = Feature.objects.count()
    lock = FeaturesLocked()
    try:
        status, _, body = post_upload(
            live_url, scene, collection_id, gbk_parcels_zip(tmp_path), plan=scene.plan.slug
        )
        assert status == 202, body
        wait_for_job(body["id"], states=("running",), stage="writing")
        status, _, cancelled = http(
            "POST", f"{live_url}/api/upload-jobs/{body['id']}/cancel/", token=scene.planner_token
        )
        assert status == 200 and cancelled["state"] == "cancelled"
    finally:
        lock.release()

    job = UploadJob.objects.get(pk=body["id"])
    assert wait_for_queue_job(job) == "succeeded", log_tail(scene.log)
    job.refresh_from_db()
    assert job.state == "cancelled" and job.revision is None
    assert not Layer.objects.filter(collection_id=collection_id).exists()
    assert LayerRevision.objects.count() == revisions_before
    assert Feature.objects.count() == features_before
    assert not (settings.MEDIA_ROOT / job.stored_file).exists()
    assert audit_actions(baseline, job) == ["upload.created", "upload.cancelled"]

    status, _, again = http(
        "POST", f"{live_url}/api/upload-jobs/{job.pk}/cancel/", token=scene.planner_token
    )
    assert status == 409 and again["state"] == "cancelled"


def test_a_rejected_file_fails_with_its_problems_in_chinese_and_leaves_nothing(
    scene, live_url, tmp_path
):
    layer = scene.rejected
    baseline = audit_baseline()

    status, _, body = post_upload(
        live_url, scene, layer.collection_id, rejected_parcels_zip(tmp_path)
    )
    assert status == 202, body
    job = wait_for_job(body["id"])

    assert job.state == "failed", log_tail(scene.log)
    assert {p["code"] for p in job.problems if p["severity"] == "error"} == {
        "landuse_code_unknown",
        "key_duplicate",
    }
    assert not LayerRevision.objects.filter(layer=layer).exists()
    assert not (settings.MEDIA_ROOT / job.stored_file).exists()
    assert audit_actions(baseline, job) == ["upload.created", "upload.failed"]
    status, _, followed = http("GET", live_url + body["url"], token=scene.planner_token)
    assert (followed["state"], followed["errors"], followed["revision"]) == ("failed", 2, None)
    assert BAD_CODE_ERROR in [problem["message"] for problem in followed["problems"]]


def test_a_file_with_several_layers_fails_until_the_layer_is_named(scene, live_url, tmp_path):
    geopackage = tmp_path / "两层.gpkg"
    pyogrio.write_dataframe(parcels(2).to_crs(4490), geopackage, layer="地块")
    pyogrio.write_dataframe(parcels(1).to_crs(4490), geopackage, layer="边界", append=True)

    status, _, body = post_upload(live_url, scene, scene.existing.collection_id, geopackage)
    assert status == 202, body
    job = wait_for_job(body["id"])

    assert job.state == "failed" and [p["code"] for p in job.problems] == ["layer_choice_needed"]
    assert "地块" in job.problems[0]["message"] and "边界" in job.problems[0]["message"]
    # Named, it loads; with the key "-" the layer compares its revisions by geometry.
    status, _, body = post_upload(
        live_url, scene, scene.existing.collection_id, geopackage, layer="地块", key="-"
    )
    assert wait_for_job(body["id"]).state == "done", log_tail(scene.log)
    assert Layer.objects.get(pk=scene.existing.pk).key_field == ""


def test_nan_and_infinite_coordinates_fail_the_job_with_the_feature_numbers(
    scene, live_url, tmp_path
):
    path = broken_polygons(tmp_path / "坐标有误.geojson")
    status, _, body = post_upload(live_url, scene, scene.broken.collection_id, path)
    assert status == 202, body
    job = wait_for_job(body["id"])
    assert job.state == "failed", log_tail(scene.log)
    assert "GEOSException" not in job.error and "Traceback" not in job.error
    refused = sorted(p["feature"] for p in job.problems if p["code"].startswith("coordinate_"))
    assert refused == [2, 3, 4, 5, 6, 7, 8, 9]
    messages = [p["message"] for p in job.problems]
    assert "第 2 个要素：第 1 个坐标不是有效数值（NaN 或无穷大），请在源数据中改正。" in messages
    assert any("（1e+308）" in message for message in messages)
    assert max(len(message) for message in messages) < 200
    assert not LayerRevision.objects.filter(layer=scene.broken).exists()


@pytest.mark.parametrize("characters", [82, 120])
def test_a_long_chinese_file_name_loads(scene, live_url, tmp_path, characters):
    """82 characters are 246 bytes, 254 with ".geojson": as long as a file system allows.
    120 characters (368 bytes) only exist in the upload's form, never as a file of ours."""
    name = "长" * characters + ".geojson"
    source = write_geojson(tmp_path / "parcels.geojson", [feature(1, polygon(ring(X, Y)))])
    sent = io.BytesIO(source.read_bytes())
    sent.name = name
    status, _, body = post_upload(live_url, scene, scene.named.collection_id, sent)
    assert status == 202, body
    job = wait_for_job(body["id"])
    assert job.state == "done", (job.error, log_tail(scene.log))
    assert job.original_name == name
    assert LayerRevision.objects.get(pk=job.revision_id).source_name == name
