"""The planners' upload API with Django's test client: who may use it, CSRF with session
authentication, what it refuses before storing anything, and its OpenAPI description. (The
jobs it queues are run by a real worker in test_upload_worker.py.)"""

import pytest
from django.test import Client

from layers.models import UploadJob
from planportal.models import AuditEvent
from tests.factories import audit_baseline, make_official, make_user, token_header
from tests.layers.revisions.upload_helpers import gbk_parcels_zip, stored_files

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def archive(tmp_path):
    return gbk_parcels_zip(tmp_path / "files")


def token_client(user) -> Client:
    return Client(**token_header(user))


def post(client, collection_id, path, **fields):
    with open(path, "rb") as handle:
        return client.post(f"/api/layers/{collection_id}/revisions/", {"file": handle, **fields})


def test_anonymous_clients_get_401_and_nothing_is_stored(layer, archive, media_root):
    response = post(Client(), layer.collection_id, archive)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
    assert Client().get("/api/upload-jobs/1/").status_code == 401
    assert Client().post("/api/upload-jobs/1/cancel/").status_code == 401
    assert stored_files(media_root) == [] and not UploadJob.objects.exists()


def test_officials_and_other_users_get_403(layer, archive, planner, media_root):
    job_id = post(token_client(planner), layer.collection_id, archive).json()["id"]
    for user in (make_official("wang.upload-api"), make_user("somebody.upload-api")):
        client = token_client(user)
        assert post(client, layer.collection_id, archive).status_code == 403
        assert client.get(f"/api/upload-jobs/{job_id}/").status_code == 403
        assert client.post(f"/api/upload-jobs/{job_id}/cancel/").status_code == 403
    assert len(stored_files(media_root)) == 1
    assert UploadJob.objects.get().state == "queued"


def test_a_planner_with_a_token_queues_a_job_and_is_audited(layer, archive, planner):
    baseline = audit_baseline()

    response = post(
        token_client(planner), layer.collection_id, archive, mapping='{"DKBH": "BSM"}', key="BSM"
    )

    assert response.status_code == 202
    body = response.json()
    job = UploadJob.objects.get(pk=body["id"])
    assert response["Location"] == body["url"] == f"/api/upload-jobs/{job.pk}/"
    assert (body["state"], body["percent"], body["revision"]) == ("queued", 0, None)
    assert (job.layer, job.field_mapping, job.key_field) == (layer, {"DKBH": "BSM"}, "BSM")
    assert job.created_by == planner and job.queue_job_id is not None
    events = AuditEvent.objects.filter(pk__gt=baseline)
    assert [(e.action, e.object_id, e.actor) for e in events] == [
        ("upload.created", str(job.pk), planner)
    ]


def test_session_authentication_needs_the_csrf_token(layer, archive, planner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)

    refused = post(client, layer.collection_id, archive)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not UploadJob.objects.exists()

    client.get("/staff/layers/")  # sets the CSRF cookie, as the staff pages do
    token = client.cookies["csrftoken"].value
    with open(archive, "rb") as handle:
        accepted = client.post(
            f"/api/layers/{layer.collection_id}/revisions/",
            {"file": handle},
            HTTP_X_CSRFTOKEN=token,
        )
    assert accepted.status_code == 202


def test_an_upload_over_the_size_limit_gets_413_and_nothing_is_stored(
    layer, archive, planner, settings, media_root, tmp_path
):
    settings.UPLOAD_MAX_BYTES = 1024
    client = token_client(planner)
    big = tmp_path / "big.zip"
    big.write_bytes(b"PK\x03\x04" + b"\0" * 200_000)

    # Announced as too large: refused before the body is read.
    early = post(client, layer.collection_id, big)
    assert early.status_code == 413 and early.json()["detail"] == "文件超过大小上限 1 KB。"
    # A body within the form's allowance, but a file over the limit: refused before storing.
    late = post(client, layer.collection_id, archive)
    assert late.status_code == 413 and late.json()["file"] == ["文件超过大小上限 1 KB。"]
    assert stored_files(media_root) == [] and not UploadJob.objects.exists()


def test_a_file_of_an_unknown_kind_is_refused_in_chinese(layer, planner, tmp_path, media_root):
    text = tmp_path / "说明.txt"
    text.write_text("不是地图数据", encoding="utf-8")

    response = post(token_client(planner), layer.collection_id, text)

    assert response.status_code == 400
    assert "不接受扩展名为 .txt 的文件。" in response.json()["file"][0]
    assert stored_files(media_root) == []


def test_a_new_layer_needs_an_existing_plan(planner, archive, demo_plan):
    client = token_client(planner)
    missing = post(client, "test-upload-api-new", archive)
    assert missing.status_code == 400 and "plan" in missing.json()
    assert post(client, "test-upload-api-new", archive, plan="no-such-plan").status_code == 404
    created = post(
        client, "test-upload-api-new", archive, plan=demo_plan.slug, title="新图层", code="STBHHX"
    )
    assert created.status_code == 202
    job = UploadJob.objects.get(pk=created.json()["id"])
    assert (job.plan, job.layer, job.title, job.code) == (demo_plan, None, "新图层", "STBHHX")


def test_a_mapping_that_is_not_a_json_object_of_names_is_refused(layer, archive, planner):
    client = token_client(planner)
    for mapping in ("{DKBH: BSM}", '["DKBH", "BSM"]', '{"DKBH": 1}'):
        response = post(client, layer.collection_id, archive, mapping=mapping)
        assert response.status_code == 400 and "mapping" in response.json(), mapping
    assert not UploadJob.objects.exists()


def test_the_openapi_schema_describes_the_upload_and_the_job(db):
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    upload = schema["paths"]["/api/layers/{collection_id}/revisions/"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert {"202", "401", "403", "413"} <= set(upload["responses"])
    request = schema["components"]["schemas"]["UploadRequest"]
    assert {"file", "layer", "key", "title", "mapping", "plan"} <= set(request["properties"])
    job = schema["paths"]["/api/upload-jobs/{id}/"]["get"]["responses"]["200"]
    reference = job["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][reference]["properties"]
    assert {"state", "percent", "problems", "revision"} <= set(fields)
    assert "post" in schema["paths"]["/api/upload-jobs/{id}/cancel/"]
