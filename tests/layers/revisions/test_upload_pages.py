"""The planners' upload pages with Django's test client (no worker runs here: the worker tests
are in test_upload_worker.py and tests/browser/test_planner_upload.py): who may see them,
CSRF, the size limit, the server-made file name, what the choices page shows, and cancel."""

import io
import re
import zipfile

import pyogrio
import pytest
from django.test import Client

from layers.models import Feature, UploadJob
from tests.factories import make_official, make_user
from tests.layers.ingest.samples import parcels
from tests.layers.revisions.upload_helpers import (
    BAD_CODE_ERROR,
    GBK_WARNING,
    gbk_parcels_zip,
    rejected_parcels_zip,
    stored_files,
)

pytestmark = pytest.mark.usefixtures("media_root")
QUEUE_TABLE = "procrastinate_jobs"


@pytest.fixture
def client_of(db):
    def signed_in(user, **options) -> Client:
        client = Client(**options)
        client.force_login(user)
        return client

    return signed_in


def upload(client, url, path, **fields):
    with open(path, "rb") as handle:
        return client.post(url, {"file": handle, **fields})


def draft(client, layer, tmp_path) -> UploadJob:
    response = upload(
        client, f"/staff/layers/{layer.collection_id}/upload/", gbk_parcels_zip(tmp_path)
    )
    assert response.status_code == 302, response.content.decode()
    return UploadJob.objects.get(collection_id=layer.collection_id)


def page_paths(layer, job) -> list[str]:
    return [
        "/staff/layers/",
        "/staff/layers/new/",
        f"/staff/layers/{layer.collection_id}/upload/",
        f"/staff/layers/uploads/{job.pk}/",
        f"/en/staff/layers/uploads/{job.pk}/",
    ]


def test_anonymous_visitors_are_sent_to_the_staff_login(layer, planner, client_of, tmp_path):
    job = draft(client_of(planner), layer, tmp_path)
    for path in page_paths(layer, job):
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"].split("?")[0].endswith("/staff/login/")
    response = Client().post(f"/staff/layers/uploads/{job.pk}/cancel/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_officials_and_other_users_get_403_on_every_page(layer, planner, client_of, tmp_path):
    job = draft(client_of(planner), layer, tmp_path)
    for user in (make_official("wang.upload-pages"), make_user("somebody.upload-pages")):
        client = client_of(user)
        for path in page_paths(layer, job):
            assert client.get(path).status_code == 403, (user, path)
        with open(gbk_parcels_zip(tmp_path / user.username), "rb") as handle:
            posted = client.post(f"/staff/layers/{layer.collection_id}/upload/", {"file": handle})
        assert posted.status_code == 403
        assert client.post(f"/staff/layers/uploads/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert job.state == "draft"
    assert UploadJob.objects.filter(collection_id=layer.collection_id).count() == 1


def test_planners_see_the_layers_of_each_plan_with_upload_links(layer, planner, client_of):
    page = client_of(planner).get("/staff/layers/").content.decode()
    assert f'href="/staff/layers/{layer.collection_id}/upload/"' in page
    assert 'href="/staff/layers/new/?plan=yangquanqu-2021-2035"' in page
    assert "测试图层" in page


def test_a_form_posted_without_its_csrf_token_is_refused(layer, planner, client_of, tmp_path):
    client = client_of(planner, enforce_csrf_checks=True)
    archive = gbk_parcels_zip(tmp_path)
    assert (
        upload(client, f"/staff/layers/{layer.collection_id}/upload/", archive).status_code == 403
    )
    assert not UploadJob.objects.exists()

    job = draft(client_of(planner), layer, tmp_path / "second")
    assert client.post(f"/staff/layers/uploads/{job.pk}/cancel/").status_code == 403
    assert client.post(f"/staff/layers/uploads/{job.pk}/", {"source_layer": "x"}).status_code == 403
    job.refresh_from_db()
    assert job.state == "draft"


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(
    layer, planner, client_of, tmp_path, settings, media_root
):
    settings.UPLOAD_MAX_BYTES = 1024
    big = tmp_path / "big.zip"
    big.write_bytes(b"PK\x03\x04" + b"\0" * 200_000)

    # Without a CSRF token: refused for its size first, as the body is never read.
    client = client_of(planner, enforce_csrf_checks=True)
    response = upload(client, f"/staff/layers/{layer.collection_id}/upload/", big)

    assert response.status_code == 413
    assert "文件超过大小上限 1 KB。" in response.content.decode()
    assert stored_files(media_root) == []
    assert not UploadJob.objects.exists()


def test_the_file_is_stored_under_a_name_the_server_made(
    layer, planner, client_of, tmp_path, media_root
):
    source = gbk_parcels_zip(tmp_path, "村庄 规划(最终版)")
    upload(client_of(planner), f"/staff/layers/{layer.collection_id}/upload/", source)
    job = UploadJob.objects.get(collection_id=layer.collection_id)

    assert re.fullmatch(r"uploads/[0-9a-f]{32}\.zip", job.stored_file)
    assert job.original_name == "村庄 规划(最终版).zip"
    assert [p.name for p in stored_files(media_root)] == [job.stored_file.split("/")[1]]


def test_a_file_refused_on_arrival_shows_its_problem_in_chinese_and_is_audited(
    layer, planner, client_of, media_root, new_audit_events
):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../../etc/cron.d/evil.shp", b"x" * 200)
    archive.name = "恶意.zip"
    archive.seek(0)

    response = client_of(planner).post(
        f"/staff/layers/{layer.collection_id}/upload/", {"file": archive}
    )

    assert response.status_code == 400
    assert (
        "压缩包中的条目 ../../etc/cron.d/evil.shp 指向压缩包目录之外。" in response.content.decode()
    )
    assert not UploadJob.objects.exists()
    assert stored_files(media_root) == []
    events = new_audit_events()
    assert [(e.action, e.object_type, e.object_id, e.actor) for e in events] == [
        ("upload.rejected", "layers.layer", str(layer.pk), planner)
    ]


def test_the_choices_page_shows_the_fields_read_as_gbk_with_the_automatic_mapping(
    layer, planner, client_of, tmp_path
):
    client = client_of(planner)
    job = draft(client, layer, tmp_path)

    response = client.get(f"/staff/layers/uploads/{job.pk}/")

    page = response.content.decode()
    assert GBK_WARNING in page
    assert "村集体" in page and "水田" in page  # example values, read as GBK
    form = response.context["form"]
    shown = {source: form[f"map_{i}"].value() for i, source in enumerate(form.source_fields)}
    assert shown == {"DKBH": "", "DLBM": "DLBM", "DLMC": "DLMC", "MJ": "MJ", "备注": "BZ"}
    assert form["key_field"].value() == "BSM"


def test_starting_queues_the_job_with_the_planners_mapping_and_audits_it(
    layer, planner, client_of, tmp_path, new_audit_events
):
    client = client_of(planner)
    job = draft(client, layer, tmp_path)
    form = client.get(f"/staff/layers/uploads/{job.pk}/").context["form"]
    choices = {"DKBH": "BSM", "备注": "BZ", "DLBM": "DLBM", "DLMC": "", "MJ": ""}
    data = {"source_layer": "parcels", "key_field": "BSM"}
    data |= {f"map_{i}": choices[source] for i, source in enumerate(form.source_fields)}

    response = client.post(f"/staff/layers/uploads/{job.pk}/", data)

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == "queued" and job.source_layer == "parcels"
    assert job.field_mapping == {
        "DKBH": "BSM",
        "备注": "BZ",
        "DLBM": "DLBM",
        "DLMC": "DLMC",  # "keep its own name" maps a field to itself
        "MJ": "MJ",
    }
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT task_name, queue_name, args->>'job_id', status FROM {QUEUE_TABLE} "
            "WHERE id = %s",
            [job.queue_job_id],
        )
        assert cursor.fetchone() == ("layers.ingest_upload", "ingest", str(job.pk), "todo")
    actions = new_audit_events().values_list("action", "object_id")
    assert list(actions.order_by("pk")) == [
        ("upload.created", str(job.pk)),
        ("upload.queued", str(job.pk)),
    ]
    page = client.get(f"/staff/layers/uploads/{job.pk}/").content.decode()
    assert 'id="job-progress"' in page and 'data-state="queued"' in page
    assert "upload-progress.js" in page


def test_two_fields_mapped_to_one_layer_field_are_refused(layer, planner, client_of, tmp_path):
    client = client_of(planner)
    job = draft(client, layer, tmp_path)
    form = client.get(f"/staff/layers/uploads/{job.pk}/").context["form"]
    data = {"source_layer": "parcels", "key_field": "BSM"}
    data |= {f"map_{i}": "BSM" for i in range(len(form.source_fields))}

    response = client.post(f"/staff/layers/uploads/{job.pk}/", data)

    assert response.status_code == 200
    assert response.context["form"].errors
    job.refresh_from_db()
    assert job.state == "draft"


def test_a_file_with_several_layers_asks_which_one(demo_plan, planner, client_of, tmp_path):
    geopackage = tmp_path / "成果.gpkg"
    pyogrio.write_dataframe(parcels(2).to_crs(4490), geopackage, layer="地块")
    pyogrio.write_dataframe(parcels(1).to_crs(4490), geopackage, layer="边界", append=True)
    client = client_of(planner)

    response = upload(
        client,
        "/staff/layers/new/",
        geopackage,
        plan=demo_plan.pk,
        collection_id="test-upload-new-layer",
        title="新图层",
        code="yjjbnt",
    )
    job = UploadJob.objects.get(collection_id="test-upload-new-layer")
    assert (job.layer, job.title, job.state, job.code) == (None, "新图层", "draft", "YJJBNT")

    pick = client.get(response["Location"]).content.decode()
    assert 'name="layer" value="地块"' in pick and 'name="layer" value="边界"' in pick
    chosen = client.get(response["Location"], {"layer": "边界"})
    assert chosen.context["chosen"] == "边界"


def test_a_new_layer_needs_a_collection_id_no_other_layer_has(
    layer, demo_plan, planner, client_of, tmp_path
):
    response = upload(
        client_of(planner),
        "/staff/layers/new/",
        gbk_parcels_zip(tmp_path),
        plan=demo_plan.pk,
        collection_id=layer.collection_id,
        title="重复",
    )
    assert response.status_code == 200 and response.context["form"].errors["collection_id"]
    assert not UploadJob.objects.exists()


def test_cancelling_a_queued_job_removes_its_file_and_is_audited(
    layer, planner, client_of, tmp_path, media_root, new_audit_events
):
    client = client_of(planner)
    job = draft(client, layer, tmp_path)
    assert len(stored_files(media_root)) == 1

    response = client.post(f"/staff/layers/uploads/{job.pk}/cancel/")

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == "cancelled" and job.finished_at is not None
    assert stored_files(media_root) == []
    cancelled = new_audit_events().filter(action="upload.cancelled").get()
    assert cancelled.actor == planner and cancelled.before["state"] == "draft"
    page = client.get(f"/staff/layers/uploads/{job.pk}/").content.decode()
    assert 'data-state="cancelled"' in page and "cancel-form" not in page
    # A finished job cannot be cancelled again.
    client.post(f"/staff/layers/uploads/{job.pk}/cancel/")
    assert new_audit_events().filter(action="upload.cancelled").count() == 1


def test_the_job_page_of_a_done_job_shows_the_revision_and_its_first_features(
    layer, planner, client_of, tmp_path
):
    from layers.ingest import open_source, prepare_layer, write_revision

    client = client_of(planner)
    job = draft(client, layer, tmp_path)
    with open_source(gbk_parcels_zip(tmp_path / "direct")) as source:
        prepared = prepare_layer(layer, source, field_mapping={"DKBH": "BSM"})
    revision = write_revision(layer, prepared, created_by=planner)
    UploadJob.objects.filter(pk=job.pk).update(state="done", percent=100, revision=revision)

    page = client.get(f"/staff/layers/uploads/{job.pk}/").content.decode()

    assert 'data-state="done"' in page
    assert f'href="/staff/layers/{layer.collection_id}/revisions/1/"' in page
    assert "乔木林地" in page and "农户承包" in page
    assert Feature.objects.filter(revision=revision).count() == 3


def test_the_job_page_of_a_rejected_file_lists_its_problems_in_chinese(
    layer, planner, client_of, tmp_path
):
    from layers.ingest import open_source, prepare_layer

    client = client_of(planner)
    job = draft(client, layer, tmp_path)
    with open_source(rejected_parcels_zip(tmp_path / "rejected")) as source:
        prepared = prepare_layer(layer, source)
    assert prepared.rejected
    UploadJob.objects.filter(pk=job.pk).update(state="failed", problems=prepared.log.stored())

    response = client.get(f"/staff/layers/uploads/{job.pk}/")

    page = response.content.decode()
    assert 'data-state="failed"' in page and "revision-summary" not in page
    assert BAD_CODE_ERROR in page
    assert "第 3 个要素：BSM 值 1411811010000001 与第 1 个要素重复。" in page
    assert response.context["status"]["errors"] == 2
