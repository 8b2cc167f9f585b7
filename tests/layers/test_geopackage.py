"""The GeoPackage of a plan's public layers (/plans/<slug>/layers.gpkg, layers/geopackage.py),
read back with pyogrio (GDAL): its tables, the SJZT mark, the declared CRS, the metadata, and
that no layer the public may not download ever appears in it."""

import sqlite3
import subprocess
from pathlib import Path

import pyogrio
import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import connection

from layers import geopackage
from layers.models import DataStatus, PublicPolicy
from layers.revisions.publishing import publish_revision, withdraw
from tests.factories import add_revision, make_layer, make_plan, square

WEST, SOUTH = 111.60, 37.10


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(db, media):
    plan = make_plan()
    make_layer(
        plan,
        "test-parcels",
        code="YDYH",
        title="规划用地用海",
        description="镇域规划用地用海布局。",
        shapes=[
            {
                "geom": square(WEST, SOUTH, 0.01),
                "properties": {"BSM": "1", "YDYHFLDM": "0701", "MJ": 12.5, "ZS": 3},
            },
            {
                "geom": square(WEST + 0.02, SOUTH, 0.01),
                "properties": {"BSM": "2", "YDYHFLDM": "1001", "MJ": 8, "ZS": None},
            },
        ],
    )
    make_layer(
        plan,
        "test-villages",
        title="村庄驻地",
        data_status=DataStatus.OFFICIAL,
        shapes=[{"geom": Point(WEST + 0.005, SOUTH + 0.005, srid=4326), "properties": {}}],
    )
    # What must never appear: a generalised (restricted) layer, a tiles-only one, one not
    # published, and one the publish gate would refuse.
    make_layer(
        plan,
        "test-yjjbnt",
        code="YJJBNT",
        policy=PublicPolicy.GENERALISED,
        shapes=[square(WEST, SOUTH, 0.005)],
    )
    make_layer(
        plan, "test-tiles", policy=PublicPolicy.TILES_ONLY, shapes=[square(WEST, SOUTH, 0.005)]
    )
    make_layer(plan, "test-draft", published=False, shapes=[square(WEST, SOUTH, 0.005)])
    # Published before the gate existed, its note still missing.
    make_layer(plan, "test-ungated", shapes=[square(WEST, SOUTH, 0.005)])
    plan.layers.filter(collection_id="test-ungated").update(publication_note="")
    return plan


def contents(path: Path) -> dict[str, tuple[str, str]]:
    """gpkg_contents as GDAL wrote it: table -> (identifier, description)."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT table_name, identifier, description FROM gpkg_contents")
        return {table: (identifier, description) for table, identifier, description in rows}


def test_the_file_holds_each_downloadable_layer_marked_and_described(plan):
    download = geopackage.current(plan)

    tables = {name for name, _ in pyogrio.list_layers(download.path)}
    assert tables == {"test_parcels", "test_villages", "layer_metadata"}
    parcels = pyogrio.read_dataframe(download.path, layer="test_parcels")
    assert list(parcels["SJZT"]) == ["示意", "示意"]
    assert list(parcels["YDYHFLDM"]) == ["0701", "1001"]
    assert list(parcels["MJ"]) == [12.5, 8.0]
    assert parcels.crs.to_epsg() == 4490
    # Coordinates as stored, not transformed.
    assert parcels.total_bounds == pytest.approx([WEST, SOUTH, WEST + 0.03, SOUTH + 0.01])
    villages = pyogrio.read_dataframe(download.path, layer="test_villages")
    assert list(villages["SJZT"]) == ["正式"]
    assert pyogrio.read_info(download.path, layer="test_villages")["crs"] == "EPSG:4490"

    described = contents(download.path)
    assert described["test_parcels"] == (
        "规划用地用海",
        "示意数据：不是法定的规划成果，以批准成果为准。镇域规划用地用海布局。",
    )
    assert described["test_villages"][0] == "村庄驻地"
    metadata = pyogrio.read_dataframe(download.path, layer="layer_metadata")
    rows = {row["table_name"]: row for row in metadata.to_dict("records")}
    assert set(rows) == {"test_parcels", "test_villages"}
    assert rows["test_parcels"]["title"] == "规划用地用海"
    assert rows["test_parcels"]["description"].startswith("示意数据：")
    assert rows["test_parcels"]["source"] == "测试数据"
    assert rows["test_parcels"]["publication_note"] == "测试用图层，经规划科同意发布。"
    assert rows["test_parcels"]["data_status"] == "示意"
    assert rows["test_parcels"]["section"] == "3.1 总体格局"
    assert rows["test_parcels"]["layer_code"] == "YDYH"
    assert rows["test_villages"]["SJZT"] == "正式"
    assert "EPSG:4490" in rows["test_villages"]["crs_note"]


def test_ogrinfo_reads_the_tables_their_descriptions_and_the_crs(plan):
    path = geopackage.current(plan).path
    listing = subprocess.run(
        ["ogrinfo", "-ro", "-q", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "test_parcels" in listing and "test_villages" in listing
    assert "yjjbnt" not in listing and "test_tiles" not in listing and "draft" not in listing
    assert "ungated" not in listing
    parcels = subprocess.run(
        ["ogrinfo", "-ro", "-so", str(path), "test_parcels"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "IDENTIFIER=规划用地用海" in parcels
    assert (
        "DESCRIPTION=示意数据：不是法定的规划成果，以批准成果为准。镇域规划用地用海布局。"
        in parcels
    )
    assert "China Geodetic Coordinate System 2000" in parcels
    assert "SJZT: String" in parcels
    assert "Feature Count: 2" in parcels


def test_a_publish_or_withdrawal_makes_a_new_file_and_the_old_one_goes(plan, media):
    first = geopackage.current(plan)
    parcels = plan.layers.get(collection_id="test-parcels")
    publish_revision(parcels, add_revision(parcels, [square(WEST, SOUTH, 0.02)]))
    second = geopackage.current(plan)
    assert second.etag != first.etag
    assert not first.path.exists()
    assert len(pyogrio.read_dataframe(second.path, layer="test_parcels")) == 1

    withdraw(plan.layers.get(collection_id="test-villages"))
    third = geopackage.current(plan)
    assert {name for name, _ in pyogrio.list_layers(third.path)} == {
        "test_parcels",
        "layer_metadata",
    }
    assert list(geopackage.folder(plan).glob("*.gpkg")) == [third.path]


def test_a_settings_change_makes_the_file_stale(plan):
    first = geopackage.current(plan)
    plan.layers.filter(collection_id="test-parcels").update(source_note="2024年变更调查")
    second = geopackage.current(plan)
    assert second.etag != first.etag
    rows = pyogrio.read_dataframe(second.path, layer="layer_metadata")
    assert "2024年变更调查" in set(rows["source"])


def test_the_download_has_an_etag_and_answers_304(client, plan):
    response = client.get(f"/plans/{plan.slug}/layers.gpkg")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert "attachment" in response["Content-Disposition"]
    assert f"{plan.slug}-layers.gpkg" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"SQLite format 3")
    etag = response["ETag"]

    assert client.get(f"/plans/{plan.slug}/layers.gpkg", HTTP_IF_NONE_MATCH=etag).status_code == 304
    withdraw(plan.layers.get(collection_id="test-villages"))
    again = client.get(f"/plans/{plan.slug}/layers.gpkg", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag


def test_the_plan_page_links_the_download_only_when_there_is_one(client, plan):
    page = client.get(f"/plans/{plan.slug}/").content.decode()
    assert f'href="/plans/{plan.slug}/layers.gpkg"' in page
    for layer in plan.layers.filter(public_policy=PublicPolicy.FEATURES):
        withdraw(layer)
    page = client.get(f"/plans/{plan.slug}/").content.decode()
    assert "layers.gpkg" not in page
    assert client.get(f"/plans/{plan.slug}/layers.gpkg").status_code == 404


def test_the_map_page_links_the_download(client, plan):
    page = client.get(f"/plans/{plan.slug}/map/").content.decode()
    assert f'href="/plans/{plan.slug}/layers.gpkg"' in page


def test_an_unpublished_plan_has_no_download(client, plan):
    plan.is_published = False
    plan.save(update_fields=["is_published"])
    assert client.get(f"/plans/{plan.slug}/layers.gpkg").status_code == 404
    assert geopackage.build(plan.pk) is None


def test_a_publish_queues_the_rebuild_on_commit(plan, django_capture_on_commit_callbacks):
    layer = make_layer(plan, "test-lines", geometry_type="LineString")
    revision = add_revision(layer, [LineString((WEST, SOUTH), (WEST + 0.01, SOUTH), srid=4326)])
    with django_capture_on_commit_callbacks(execute=True):
        publish_revision(layer, revision)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args->>'plan_id', queue_name, status FROM procrastinate_jobs "
            "WHERE task_name = %s AND args->>'plan_id' = %s",
            [geopackage.GEOPACKAGE_TASK, str(plan.pk)],
        )
        assert cursor.fetchall() == [(str(plan.pk), geopackage.GEOPACKAGE_QUEUE, "todo")]
    # What the job runs: the file with the new layer.
    path = geopackage.build(plan.pk)
    assert "test_lines" in {name for name, _ in pyogrio.list_layers(path)}


def test_the_demo_loader_built_the_demo_plans_file(demo_plan, settings):
    from tests.conftest import RUN_MEDIA_ROOT

    settings.MEDIA_ROOT = RUN_MEDIA_ROOT
    layers = geopackage.public_layers(demo_plan)
    stamp = geopackage.fingerprint(demo_plan, layers)
    path = geopackage.folder(demo_plan) / f"layers-{stamp}.gpkg"
    assert path.exists()
    tables = {name for name, _ in pyogrio.list_layers(path)}
    assert "yangquanqu_xzq" in tables
    assert "yangquanqu_yjjbnt" not in tables  # generalised: never in the download
    assert set(pyogrio.read_dataframe(path, layer="yangquanqu_xzq")["SJZT"]) == {"演示数据"}


def test_the_mark_comes_from_the_layer_whatever_the_attributes_say(db, media):
    plan = make_plan()
    make_layer(
        plan,
        "test-claims",
        shapes=[
            {
                "geom": square(WEST, SOUTH, 0.01),
                # An attribute claiming 正式, and a second spelling of BSM that SQLite would
                # take for the same column.
                "properties": {"BSM": "1", "bsm": "x", "sjzt": "正式", "备注": {"来源": "调查"}},
            }
        ],
    )
    frame = pyogrio.read_dataframe(geopackage.current(plan).path, layer="test_claims")
    assert list(frame["SJZT"]) == ["示意"]
    assert list(frame["BSM"]) == ["1"]
    assert [name.lower() for name in frame.columns].count("bsm") == 1
    assert list(frame["备注"]) == ['{"来源": "调查"}']
