"""What the bulk load skips must still hold: the reference from a feature to its revision
(constraint triggers instead of a foreign key, migration layers 0009) and the revision's
summary (tallied while writing instead of a pass in SQL)."""

import datetime

import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import IntegrityError, connection, transaction

from layers.ingest.pipeline import Target, ingest_file
from layers.models import Feature, LayerRevision
from layers.summary import summarise
from tests.factories import add_revision
from tests.layers.ingest.samples import CENTRE_LONLAT, parcels, parcels_layer

POINT = GEOSGeometry(f"SRID=4326;POINT({CENTRE_LONLAT[0]} {CENTRE_LONLAT[1]})")


def checked_now() -> None:
    """The deferred checks, run now instead of at the commit the test never reaches."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def missing_revision_id() -> int:
    return (LayerRevision.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 10


def test_a_feature_of_a_revision_that_does_not_exist_is_refused(demo_plan):
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        Feature.objects.create(revision_id=missing_revision_id(), geom=POINT, properties={})
        checked_now()


def test_a_feature_moved_to_a_revision_that_does_not_exist_is_refused(demo_plan):
    layer = parcels_layer(demo_plan, "bulk-check-update")
    feature = add_revision(layer, [POINT]).features.get()
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        Feature.objects.filter(pk=feature.pk).update(revision_id=missing_revision_id())
        checked_now()


def test_a_revision_with_features_cannot_be_deleted_behind_the_orms_back(demo_plan):
    layer = parcels_layer(demo_plan, "bulk-check-delete")
    revision = add_revision(layer, [POINT])
    checked_now()  # the feature's own check, passed
    with pytest.raises(IntegrityError, match="still has features"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM layers_layerrevision WHERE id = %s", [revision.pk])
        checked_now()
    # The ORM deletes the features first, as before.
    revision.delete()
    checked_now()
    assert not Feature.objects.filter(revision_id=revision.pk).exists()


def test_only_the_revision_being_loaded_goes_unchecked(demo_plan):
    """The loader names the revision it created in its own transaction: no row of it is
    checked (so the name must only ever be the loader's own new revision); rows of any
    other revision still are."""
    loading = missing_revision_id()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('layers.loading_revision', %s, true)", [str(loading)])
        Feature.objects.create(revision_id=loading, geom=POINT, properties={})
        checked_now()  # not queued, nothing to find
        with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
            Feature.objects.create(revision_id=loading + 1, geom=POINT, properties={})
            checked_now()
        transaction.set_rollback(True)


def test_the_pipeline_writes_the_same_summary_as_the_sql_pass(tmp_path, demo_plan):
    frame = parcels(
        4,
        MJ=[2500.0, None, 12.5, float("nan")],  # number, null
        XH=[1, 2, 3, 4],  # integer
        BZ=["a\\b", None, '引号"', "制表\t"],  # string with escapes, null
        GXSJ=[datetime.date(2024, 1, 2)] * 4,  # a date: string
        SFJBNT=[True, False, True, True],  # boolean
    )
    frame.loc[1, "geometry"] = shapely.MultiPolygon([frame.geometry[1]])
    path = tmp_path / "parcels.geojson"  # keeps single and multi-part polygons apart
    frame.to_file(path, driver="GeoJSON")
    layer = parcels_layer(demo_plan, "bulk-summary")
    result = ingest_file(path, Target(demo_plan, layer.collection_id))
    assert result.revision is not None, [p.message for p in result.prepared.problems]
    revision = LayerRevision.objects.get(pk=result.revision.pk)
    tallied = (revision.geometry_types, revision.property_types)
    from_sql = summarise(revision.pk)
    assert tallied == (list(from_sql.geometry_types), from_sql.property_types)
    assert revision.geometry_types == ["MULTIPOLYGON", "POLYGON"]
    assert revision.property_types["MJ"] == ["null", "number"]
    assert revision.property_types["BZ"] == ["null", "string"]
    assert revision.property_types["SFJBNT"] == ["boolean"]
    assert revision.features.get(properties__XH=1).properties["BZ"] == "a\\b"


def test_a_repeated_key_is_still_found_when_the_hashes_say_keys_may_repeat(tmp_path, demo_plan):
    codes = ["0101", "0103", "0301", "0103", "0103"]
    keys = ["K1", "K2", "K3", "K2", "K2"]  # feature 4 and 5 repeat feature 2's key
    path = tmp_path / "parcels.gpkg"
    parcels(5, BSM=keys, DLBM=codes).to_file(path, driver="GPKG")
    layer = parcels_layer(demo_plan, "bulk-duplicates")
    result = ingest_file(path, Target(demo_plan, layer.collection_id))
    assert result.revision is None
    repeated = [p for p in result.prepared.problems if p.code == "key_duplicate"]
    assert [(p.feature, p.params["first"], p.params["value"]) for p in repeated] == [
        (4, 2, "K2"),
        (5, 2, "K2"),
    ]
