"""A 汇交 GeoPackage through the services: matching, per-layer revisions, the checks across
layers with their hectares, all-or-nothing publishing, and the XZQ as the official extent."""

import pytest
from django.core.files import File
from django.utils import translation

from layers.boundary import official_boundary
from layers.models import Layer, PackageJob, PackageState, PublicPolicy
from layers.packages.catalogue import match_code
from layers.packages.service import (
    PackageRefused,
    choose,
    publish_package,
    receive_package,
    run_package_job,
)
from tests.factories import make_layer, make_plan
from tests.layers.packages.package_helpers import (
    OUTSIDE_HA,
    OVERLAP_HA,
    X0,
    XZQ_BOX,
    Y0,
    frame,
    package_layers,
    write_geopackage,
    write_zipped_filegdb,
)

SETTINGS = {
    "section": "3.2",
    "data_status": "official",
    "source_note": "县自然资源局 汇交数据库",
    "publication_note": "经镇人民政府同意公示",
}


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched by their English words (the Chinese ones are in the .po)."""
    with translation.override("en"):
        yield


@pytest.fixture
def plan(db):
    return make_plan()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(plan, user, path):
    with path.open("rb") as handle:
        return receive_package(user, plan, File(handle, name=path.name))


def checked_package(plan, user, tmp_path, *, defaults=SETTINGS, **layers_options) -> PackageJob:
    path = write_geopackage(tmp_path / "huijiao.gpkg", package_layers(**layers_options))
    job = upload(plan, user, path)
    choose(job, user, {}, defaults, defer=False)
    run_package_job(job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("XZQ", "XZQ"),
        ("xzq_2035", "XZQ"),
        ("行政区", "XZQ"),
        ("STBHHX", "STBHHX"),
        ("生态保护红线", "STBHHX"),
        ("永久基本农田", "YJJBNT"),
        ("永久基本农田储备区", "YJJBNTCBQ"),
        ("城镇开发边界", "CZKFBJ"),
        ("GHFQ", "GHFQ"),
        ("规划分区", "GHFQ"),
        ("YDYH", "YDYH"),
        ("用地用海", "YDYH"),
        ("QTTC", None),
        ("道路", None),
    ],
)
def test_a_layer_is_recognised_by_its_standard_code_or_name(name, code):
    assert match_code(name) == code


def test_layers_are_matched_to_the_plans_layers_and_the_rest_left_for_the_planner(
    plan, planner, media, tmp_path
):
    existing = make_layer(plan, "test-town-yjjbnt", code="YJJBNT")
    path = write_geopackage(tmp_path / "huijiao.gpkg", package_layers())
    job = upload(plan, planner, path)
    entries = {entry["name"]: entry for entry in job.entries}
    assert job.state == PackageState.DRAFT
    assert entries["YJJBNT"]["action"] == "existing"
    assert entries["YJJBNT"]["collection_id"] == existing.collection_id
    assert entries["XZQ"]["action"] == "new"
    assert entries["XZQ"]["collection_id"] == "test-town-2021-2035-xzq"
    assert entries["城镇开发边界"]["code"] == "CZKFBJ"
    assert entries["QTTC"]["action"] == ""


def test_every_matched_layer_becomes_a_revision_and_the_overlaps_are_measured(
    plan, planner, media, tmp_path
):
    job = checked_package(plan, planner, tmp_path)
    assert job.state == PackageState.DONE, (
        job.error,
        [(e["name"], e["state"], e["problems"]) for e in job.entries],
    )
    entries = {entry["name"]: entry for entry in job.entries}
    assert entries["QTTC"]["action"] == "skip"  # unmatched, not chosen
    assert entries["YJJBNT"]["features"] == 3
    assert entries["YJJBNT"]["percent"] == 100
    yjjbnt = Layer.objects.get(collection_id=entries["YJJBNT"]["collection_id"])
    assert yjjbnt.code == "YJJBNT"
    assert yjjbnt.public_policy == PublicPolicy.GENERALISED  # restricted by its code
    assert yjjbnt.style["fillColor"] == "#f2d16b"  # the catalogue's style
    assert yjjbnt.published_revision is None  # nothing is published by the check
    assert yjjbnt.section.number == "3.2"
    [overlap] = job.crosscheck["overlaps"]
    assert {overlap["a"], overlap["b"]} == {"YJJBNT", "CZKFBJ"}
    assert overlap["hectares"] == pytest.approx(OVERLAP_HA, abs=0.001)
    assert overlap["count"] == 1
    keys = {overlap["cases"][0]["a_key"], overlap["cases"][0]["b_key"]}
    assert keys == {"YJ001", "KF01"}
    assert job.crosscheck["extent"] == "checked"
    [outside] = job.crosscheck["outside"]
    assert outside["code"] == "YJJBNT"
    assert outside["hectares"] == pytest.approx(OUTSIDE_HA, abs=0.001)
    assert [case["key"] for case in outside["cases"]] == ["YJ002"]
    kinds = sorted(piece["properties"]["kind"] for piece in job.crosscheck["map"]["features"])
    assert kinds == ["outside", "overlap"]
    assert job.crosscheck["warnings"] == 2


def test_publishing_needs_the_overlaps_acknowledged_then_publishes_every_layer(
    plan, planner, media, tmp_path
):
    job = checked_package(plan, planner, tmp_path)
    with pytest.raises(PackageRefused, match="acknowledge"):
        publish_package(job, planner)
    assert not Layer.objects.filter(plan=plan, published_revision__isnull=False).exists()
    outcomes = publish_package(job, planner, acknowledge_overlaps=True)
    assert len(outcomes) == 3
    assert Layer.objects.filter(plan=plan, published_revision__isnull=False).count() == 3
    job.refresh_from_db()
    assert job.state == PackageState.PUBLISHED


def test_the_packages_official_xzq_becomes_the_plans_official_extent(
    plan, planner, media, tmp_path
):
    assert official_boundary(plan) is None
    job = checked_package(plan, planner, tmp_path)
    publish_package(job, planner, acknowledge_overlaps=True)
    boundary = official_boundary(plan)
    assert boundary is not None
    gk = boundary.transform(4546, clone=True)
    width = (XZQ_BOX[2] - XZQ_BOX[0]) * (XZQ_BOX[3] - XZQ_BOX[1])
    assert gk.area == pytest.approx(width, rel=1e-6)


def test_one_layer_refused_by_the_pipeline_publishes_none(plan, planner, media, tmp_path):
    job = checked_package(plan, planner, tmp_path, bad_landuse=True)
    assert job.state == PackageState.FAILED
    refused = [entry for entry in job.entries if entry["state"] == "failed"]
    assert [entry["name"] for entry in refused] == ["YDYH"]
    with pytest.raises(PackageRefused) as caught:
        publish_package(job, planner, acknowledge_overlaps=True)
    assert "YDYH" in str(caught.value)
    assert "9999" in str(caught.value)
    assert not Layer.objects.filter(plan=plan, published_revision__isnull=False).exists()


def test_one_layer_refused_by_the_gate_publishes_none(plan, planner, media, tmp_path):
    # The existing 永久基本农田 layer has no publication note: the gate refuses it, and the
    # new layers, which the package would publish with it, stay unpublished too.
    make_layer(plan, "test-town-yjjbnt", code="YJJBNT", publication_note="")
    job = checked_package(plan, planner, tmp_path)
    with pytest.raises(PackageRefused) as caught:
        publish_package(job, planner, acknowledge_overlaps=True)
    assert "test-town-yjjbnt" in str(caught.value)
    assert not Layer.objects.filter(plan=plan, published_revision__isnull=False).exists()


def test_new_layers_without_settings_are_named_when_publishing(plan, planner, media, tmp_path):
    job = checked_package(plan, planner, tmp_path, defaults={})
    with pytest.raises(PackageRefused) as caught:
        publish_package(job, planner, acknowledge_overlaps=True)
    for collection_id in ("xzq", "yjjbnt", "czkfbj"):
        assert f"test-town-2021-2035-{collection_id}" in str(caught.value)
    assert not Layer.objects.filter(plan=plan, published_revision__isnull=False).exists()


def test_the_planner_maps_an_unknown_layer_to_a_new_layer_or_an_existing_one(
    plan, planner, media, tmp_path
):
    target = make_layer(plan, "test-town-other", code="")
    path = write_geopackage(tmp_path / "huijiao.gpkg", package_layers())
    job = upload(plan, planner, path)
    choose(job, planner, {"QTTC": target.collection_id, "XZQ": "skip"}, SETTINGS, defer=False)
    run_package_job(job.pk)
    job.refresh_from_db()
    entries = {entry["name"]: entry for entry in job.entries}
    assert entries["QTTC"]["collection_id"] == "test-town-other"
    assert entries["QTTC"]["state"] == "done"
    assert entries["XZQ"]["action"] == "skip"
    assert job.crosscheck["extent"] == ""  # no XZQ checked and no official boundary
    assert job.crosscheck["outside"] == []


def test_a_zipped_filegdb_goes_the_same_way(plan, planner, media, tmp_path):
    archive = write_zipped_filegdb(tmp_path, package_layers())
    job = upload(plan, planner, archive)
    assert {entry["name"]: entry["code"] for entry in job.entries} == {
        "XZQ": "XZQ",
        "YJJBNT": "YJJBNT",
        "城镇开发边界": "CZKFBJ",
        "QTTC": "",
    }
    choose(job, planner, {}, SETTINGS, defer=False)
    run_package_job(job.pk)
    job.refresh_from_db()
    assert job.state == PackageState.DONE
    [overlap] = job.crosscheck["overlaps"]
    assert overlap["hectares"] == pytest.approx(OVERLAP_HA, abs=0.001)
    publish_package(job, planner, acknowledge_overlaps=True)
    assert official_boundary(plan) is not None


def test_an_abandoned_draft_expires_and_an_interrupted_package_fails(
    plan, planner, media, tmp_path
):
    from datetime import timedelta

    from django.utils import timezone

    from layers.packages.upkeep import expire_package_drafts, fail_interrupted_packages

    path = write_geopackage(tmp_path / "huijiao.gpkg", package_layers())
    draft = upload(plan, planner, path)
    later = timezone.now() + timedelta(days=30)
    assert expire_package_drafts(later) == 1
    draft.refresh_from_db()
    assert draft.state == PackageState.CANCELLED
    assert not (media / draft.stored_file).exists()
    with pytest.raises(PackageRefused, match="cancelled"):
        publish_package(draft, planner, acknowledge_overlaps=True)
    # A package the worker claimed and then died under: its queue job is no longer running.
    running = upload(plan, planner, path)
    choose(running, planner, {}, SETTINGS)  # on the queue, never run by a worker here
    PackageJob.objects.filter(pk=running.pk).update(state=PackageState.RUNNING)
    assert fail_interrupted_packages() == 1
    running.refresh_from_db()
    assert running.state == PackageState.FAILED
    assert running.error
    assert not (media / running.stored_file).exists()


def test_a_new_landuse_layer_takes_the_palette_by_its_codes(plan, planner, media, tmp_path):
    layers = {
        "用地用海": frame(
            {
                "YD1": (X0, Y0 + 300, X0 + 50, Y0 + 350),
                "YD2": (X0 + 60, Y0 + 300, X0 + 90, Y0 + 350),
            },
            YDYHFLDM=["0103", "080403"],
        )
    }
    job = upload(plan, planner, write_geopackage(tmp_path / "ydyh.gpkg", layers))
    choose(job, planner, {}, SETTINGS, defer=False)
    run_package_job(job.pk)
    layer = Layer.objects.get(plan=plan, code="YDYH")
    assert layer.category_field == "YDYHFLDM"
    assert layer.title == "用地用海"
    legend = {entry["value"]: entry for entry in layer.legend}
    assert legend["0103"]["label"] == "0103 旱地"
    assert legend["0103"]["style"]["fillColor"] == "#f5f8dc"  # 耕地 245,248,220
    assert legend["080403"]["style"]["fillColor"] == "#ff85c9"  # 教育 255,133,201
    categories = set(layer.revisions.get().features.values_list("category", flat=True))
    assert categories == {"0103", "080403"}


def test_the_package_is_in_the_plans_audit_trail(plan, planner, media, tmp_path):
    from trail.entries import plan_trail

    job = checked_package(plan, planner, tmp_path)
    publish_package(job, planner, acknowledge_overlaps=True)
    entries = [entry for entry in plan_trail(plan) if entry.reference.startswith("audit:")]
    actions = [entry.action for entry in entries if "huijiao.gpkg" in entry.subject]
    assert actions == [
        "database package published",
        "database package checked",
        "database package queued",
        "database package received",
    ]
    assert all(entry.actor == planner.username for entry in entries[:4])
