"""A prepared layer becomes a numbered, ready revision with all its features in one
transaction; a failure half way leaves nothing, and a rejected file is never written."""

import pytest
from django.db import connection

from layers.ingest import RejectedFile, open_source, prepare_layer, write_revision
from layers.models import Feature, Layer, LayerRevision
from tests.layers.ingest.samples import CENTRE_LONLAT, parcels, parcels_layer, zipped_shapefile


class Cancelled(Exception):
    pass


def prepared_parcels(tmp_path, layer, count=3, **columns):
    archive = zipped_shapefile(
        parcels(count, **columns), tmp_path, encoding="GB18030", keep_cpg=False
    )
    with open_source(archive, name="规划地块.zip") as source:
        return prepare_layer(layer, source)


def test_a_revision_is_written_ready_with_its_features_extent_and_checksum(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-write")
    prepared = prepared_parcels(tmp_path, layer)
    stages = []
    revision = write_revision(layer, prepared, progress=lambda *s: stages.append(s))
    revision.refresh_from_db()
    assert revision.number == 1 and revision.status == "ready"
    assert revision.feature_count == 3
    assert revision.source_name == "规划地块.zip"
    assert revision.source_crs == "EPSG:4546"
    assert revision.checksum == prepared.checksum
    assert [p["code"] for p in revision.problems] == ["encoding_guessed"]
    west, south, east, north = revision.extent.extent
    assert west == pytest.approx(CENTRE_LONLAT[0], abs=1e-3)
    assert south == pytest.approx(CENTRE_LONLAT[1], abs=1e-3)
    assert stages[0] == ("writing", 0, 3) and stages[-1] == ("writing", 3, 3)
    assert layer.published_revision is None  # publishing is a separate step


def test_features_keep_their_attributes_category_name_and_a_generated_3857_copy(
    tmp_path, demo_plan
):
    layer = parcels_layer(demo_plan, "ingest-write-features")
    revision = write_revision(layer, prepared_parcels(tmp_path, layer))
    features = list(revision.features.order_by("id"))
    assert [f.properties["DLMC"] for f in features] == ["水田", "旱地", "乔木林地"]
    assert features[0].properties["MJ"] == 2500.0
    assert [f.category for f in features] == ["0101", "0103", "0301"]
    assert [f.name for f in features] == ["水田", "旱地", "乔木林地"]
    assert features[0].geom.srid == 4326
    assert features[0].geom.centroid.x == pytest.approx(CENTRE_LONLAT[0], abs=1e-3)
    assert features[0].geom_3857.srid == 3857
    assert features[0].geom_3857.centroid.x == pytest.approx(12_416_000, abs=2000)


def test_text_with_tabs_backslashes_and_newlines_survives_the_copy(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-write-escapes", name_field="BZ")
    note = 'a\tb\\c\nd "e"'
    revision = write_revision(layer, prepared_parcels(tmp_path, layer, 1, BZ=[note]))
    feature = revision.features.get()
    assert feature.properties["BZ"] == note
    assert feature.name == note


def test_revisions_are_numbered_one_after_another(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-write-numbers")
    first = write_revision(layer, prepared_parcels(tmp_path / "1", layer))
    second = write_revision(layer, prepared_parcels(tmp_path / "2", layer, 2))
    assert (first.number, second.number) == (1, 2)
    assert second.features.count() == 2


def test_a_failure_half_way_leaves_no_revision_and_no_feature(tmp_path, demo_plan, settings):
    layer = parcels_layer(demo_plan, "ingest-write-cancel")
    prepared = prepared_parcels(tmp_path, layer, 12)
    from layers.ingest import write as write_module

    write_module.BATCH, saved = 5, write_module.BATCH
    try:

        def cancel_after_first_batch(stage, done, total):
            if done >= 5:
                raise Cancelled

        with pytest.raises(Cancelled):
            write_revision(layer, prepared, progress=cancel_after_first_batch)
    finally:
        write_module.BATCH = saved
    assert not LayerRevision.objects.filter(layer=layer).exists()
    assert not Feature.objects.filter(revision__layer=layer).exists()
    with connection.cursor() as cursor:  # nothing left in the table either, not even orphans
        cursor.execute(
            "SELECT count(*) FROM layers_feature WHERE properties ->> 'BSM' LIKE %s",
            ["141181101000000%"],
        )
        assert cursor.fetchone()[0] == 0


def test_a_rejected_file_is_never_written(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-write-rejected")
    prepared = prepared_parcels(tmp_path, layer, 2, BSM=["same", "same"])
    assert prepared.rejected
    with pytest.raises(RejectedFile) as refused:
        write_revision(layer, prepared)
    assert refused.value.problems[0].code == "key_duplicate"
    assert not layer.revisions.exists()


def test_a_new_layer_is_saved_with_its_first_revision(tmp_path, demo_plan):
    layer = Layer(
        plan=demo_plan, collection_id="ingest-write-new", title="新图层", geometry_type="Polygon"
    )
    revision = write_revision(layer, prepared_parcels(tmp_path, layer))
    assert Layer.objects.get(collection_id="ingest-write-new").pk == revision.layer_id


def test_an_empty_layer_becomes_an_empty_revision_with_a_note(tmp_path, demo_plan):
    # 阳泉曲镇不涉及生态保护红线: the layer exists and is published empty.
    layer = parcels_layer(demo_plan, "ingest-write-empty", attribute_schema=[])
    path = tmp_path / "stbhhx.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with open_source(path) as source:
        prepared = prepare_layer(layer, source)
    revision = write_revision(layer, prepared)
    assert revision.feature_count == 0 and revision.extent is None
    assert [p["code"] for p in revision.problems] == ["no_features"]


def test_features_without_any_attribute_are_written_with_empty_properties(tmp_path, demo_plan):
    layer = parcels_layer(
        demo_plan, "ingest-write-bare", attribute_schema=[], key_field="", geometry_type="Point"
    )
    lon, lat = CENTRE_LONLAT
    path = tmp_path / "bare.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": ['
        f'{{"type": "Feature", "properties": {{}}, '
        f'"geometry": {{"type": "Point", "coordinates": [{lon}, {lat}]}}}},'
        f'{{"type": "Feature", "properties": null, '
        f'"geometry": {{"type": "Point", "coordinates": [{lon + 0.001}, {lat}]}}}}]}}'
    )
    with open_source(path) as source:
        prepared = prepare_layer(layer, source)
    revision = write_revision(layer, prepared)
    assert revision.feature_count == 2
    assert [f.properties for f in revision.features.order_by("id")] == [{}, {}]
