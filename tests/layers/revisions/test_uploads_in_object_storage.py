"""Layer uploads kept in object storage (MEDIA_STORAGE_BACKEND, e.g. S3-compatible storage
shared by every node and job worker): stored by name, read by GDAL through a local copy that
is removed again, and removed from the storage once the job is through with them. The same
paths with the default folder storage are what every other upload test runs."""

import tempfile

import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from layers.models import PackageState, UploadJob, UploadState
from layers.packages.service import choose, receive_package, run_package_job
from layers.revisions.uploads import layer_fields, local_copy, receive_upload
from tests.factories import make_plan
from tests.layers.packages.package_helpers import package_layers, write_geopackage
from tests.layers.packages.test_package_service import SETTINGS
from tests.layers.revisions.upload_helpers import gbk_parcels_zip

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(settings, tmp_path, monkeypatch):
    """Object storage in place of the media folder, and a temporary folder of the test's own
    (where the local copies are made) to see that nothing is left in it."""
    folder = tmp_path / "objects"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tests.object_storage.ObjectLikeStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert _has_no_path()
    return folder, scratch


def _has_no_path() -> bool:
    try:
        default_storage.path("uploads/x")
    except NotImplementedError:
        return True
    return False


def kept(folder) -> list[str]:
    uploads = folder / "uploads"
    return sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []


def test_an_upload_is_kept_as_an_object_and_read_through_a_copy(
    objects, demo_plan, planner, tmp_path
):
    folder, scratch = objects
    path = gbk_parcels_zip(tmp_path, "规划地块")
    with path.open("rb") as handle:
        upload = File(handle, name=path.name)
        job = receive_upload(planner, demo_plan, upload, collection_id="obj-parcels", layer=None)
    assert job.state == UploadState.DRAFT
    assert [found["feature_count"] for found in job.inspection["layers"]] == [3]
    assert kept(folder) == [job.stored_file.split("/")[1]]
    assert not (tmp_path / "media").exists()  # nothing beside the storage
    fields = layer_fields(job, job.inspection["layers"][0]["name"])
    assert "DKBH" in [field["name"] for field in fields["fields"]]
    assert list(scratch.iterdir()) == []  # every copy removed again

    with local_copy(job) as copy:
        assert copy.read_bytes() == path.read_bytes()
        assert copy.parent.parent == scratch
    assert not copy.exists()


def test_a_package_in_object_storage_is_ingested_then_removed(objects, planner, tmp_path):
    folder, scratch = objects
    plan = make_plan()
    path = write_geopackage(tmp_path / "huijiao.gpkg", package_layers())
    with path.open("rb") as handle:
        job = receive_package(planner, plan, File(handle, name=path.name))
    assert len(kept(folder)) == 1
    choose(job, planner, {}, SETTINGS, defer=False)
    run_package_job(job.pk)
    job.refresh_from_db()
    assert job.state == PackageState.DONE, [(e["name"], e["problems"]) for e in job.entries]
    written = {e["name"]: e["features"] for e in job.entries if e["action"] != "skip"}
    assert written == {"XZQ": 1, "YJJBNT": 3, "城镇开发边界": 1}
    assert kept(folder) == []  # the job is through with the file
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("stored", ["../secret.gpkg", "uploads/../../x.zip", "other/x.zip", "x"])
def test_a_job_naming_anything_but_an_upload_reads_nothing(objects, stored):
    with (
        pytest.raises(ValueError, match="outside the upload folder"),
        local_copy(UploadJob(pk=1, stored_file=stored)),
    ):
        pass
