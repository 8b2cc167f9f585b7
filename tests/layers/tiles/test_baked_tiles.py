"""Tiles baked at publish (layers/tiles/bake.py): a dense parcel layer's low zooms are overview
tiles of groups that cover every parcel and count them, read by key without tile SQL; from its
detail zoom on, the parcels themselves, from the bake's tile rows. The layer here is 1,200 small
parcels; the byte budget that chooses the detail zoom is lowered to fit it (the benchmark,
bench/tiles_vs_tipg.py, runs the real budget on 50,000 and 200,000 parcels)."""

import gzip
import io
from datetime import timedelta

import mapbox_vector_tile
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.affinity import scale, translate
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape
from shapely.ops import unary_union
from shapely.prepared import prep

from layers.models import BakedTile, Layer, PublicPolicy, TileBake, TileRow
from layers.revisions.publishing import publish_revision
from layers.tiles import bake as baking
from layers.tiles import overview
from layers.tiles.lookup import forget_tile_sources, tile_source
from layers.tiles.overview import COUNT_FIELD
from tests.factories import add_revision, make_layer, square
from tests.layers.tiles.tile_helpers import FARMLAND_ID, VILLAGE

WORLD = 40075016.68
MAX_TILE_BYTES = 500_000
SCHEMA = [
    {"name": "DLMC", "label": "地类名称", "type": "string"},
    {"name": "TBMJ", "label": "图斑面积", "type": "number"},
]


def parcels(columns: int = 40, rows: int = 30, shift: float = 0.0) -> list[dict]:
    """Squares of about 20 m, 40 m apart, east of the made-up village."""
    west, south = VILLAGE
    return [
        {
            "geom": square(west + shift + i * 0.0004, south + j * 0.0004, 0.0002),
            "name": f"地块{i}-{j}",
            "category": "0103",
            "properties": {"DLMC": "旱地", "TBMJ": 400 + i + j},
        }
        for i in range(columns)
        for j in range(rows)
    ]


@pytest.fixture
def small_budget(monkeypatch):
    """The real budget (400 KB for the densest parcel tile) would need tens of thousands of
    parcels; 1,200 of them cross this one at about z13."""
    monkeypatch.setattr(baking, "DETAIL_BYTES_BUDGET", 20_000)
    monkeypatch.setattr(baking, "ROWS_MIN_FEATURES", 100)


@pytest.fixture
def dense(demo_plan, small_budget) -> Layer:
    layer = make_layer(
        demo_plan,
        "test-dense-parcels",
        shapes=parcels(),
        policy=PublicPolicy.TILES_ONLY,
        attribute_schema=SCHEMA,
    )
    forget_tile_sources()
    yield layer
    forget_tile_sources()


def baked(layer: Layer) -> TileBake:
    bake = baking.bake_revision(layer.published_revision_id)
    forget_tile_sources()
    return bake


def tile_of_metres(x: float, y: float, z: int) -> tuple[int, int]:
    width = WORLD / 2**z
    return int((x + WORLD / 2) // width), int((WORLD / 2 - y) // width)


def extent_tiles(layer: Layer, z: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent("
            "geom_3857) AS e FROM layers_feature WHERE revision_id = %s) AS x",
            [layer.published_revision_id],
        )
        xmin, ymin, xmax, ymax = cursor.fetchone()
    x0, y0 = tile_of_metres(xmin, ymax, z)
    x1, y1 = tile_of_metres(xmax, ymin, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def get_tile(client, layer: Layer, z: int, x: int, y: int):
    return client.get(f"/tiles/{layer.collection_id}/{z}/{x}/{y}.mvt")


def features(response, layer: Layer) -> list[dict]:
    if response.status_code == 204:
        return []
    assert response.status_code == 200
    return mapbox_vector_tile.decode(response.content)[layer.collection_id]["features"]


def parcel_points(layer: Layer) -> list[tuple[int, float, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_X(p), ST_Y(p) FROM (SELECT id, ST_PointOnSurface(geom_3857) AS p "
            "FROM layers_feature WHERE revision_id = %s) AS s",
            [layer.published_revision_id],
        )
        return cursor.fetchall()


def test_a_dense_layer_gets_overview_tiles_below_a_detail_zoom_chosen_from_its_density(
    client, dense
):
    bake = baked(dense)
    assert bake.detail_zoom > bake.min_zoom > 0
    assert bake.has_rows and TileRow.objects.filter(bake=bake).count() == 1200
    x, y = extent_tiles(dense, bake.detail_zoom - 1)[0]
    overview = features(get_tile(client, dense, bake.detail_zoom - 1, x, y), dense)
    assert overview and all(set(f["properties"]) <= {COUNT_FIELD, "SJZT"} for f in overview)
    x, y = extent_tiles(dense, bake.detail_zoom)[0]
    detail = features(get_tile(client, dense, bake.detail_zoom, x, y), dense)
    assert detail and all(f["properties"]["DLMC"] == "旱地" for f in detail)


def test_from_the_parcel_zoom_on_parcels_are_shown_up_to_the_larger_budget(dense, monkeypatch):
    detail = baked(dense).detail_zoom
    TileBake.objects.filter(revision_id=dense.published_revision_id).delete()
    # One zoom above the detail zoom the densest tile is over DETAIL_BYTES_BUDGET but far
    # under PARCEL_ZOOM_BYTES_BUDGET (400 KB): made the parcel zoom, it shows parcels.
    monkeypatch.setattr(baking, "PARCEL_ZOOM", detail - 1)
    assert baked(dense).detail_zoom == detail - 1


def test_the_counts_of_each_overview_zoom_add_up_to_every_parcel_and_no_tile_is_too_big(
    client, dense
):
    bake = baked(dense)
    for z in range(0, bake.detail_zoom + 2):
        counts = {}
        for x, y in extent_tiles(dense, z):
            response = get_tile(client, dense, z, x, y)
            assert len(response.content) <= MAX_TILE_BYTES
            if z < bake.min_zoom:
                assert response.status_code == 204
            elif z < bake.detail_zoom:
                counts.update(
                    (f["id"], f["properties"][COUNT_FIELD]) for f in features(response, dense)
                )
        if bake.min_zoom <= z < bake.detail_zoom:
            assert sum(counts.values()) == 1200, z


def test_every_parcel_lies_in_an_overview_shape_at_every_overview_zoom(client, dense):
    bake = baked(dense)
    points = [ShapelyPoint(x, y) for _fid, x, y in parcel_points(dense)]
    for z in range(bake.min_zoom, bake.detail_zoom):
        width = WORLD / 2**z
        unit = width / 4096
        shapes = []
        for x, y in extent_tiles(dense, z):
            west, south = x * width - WORLD / 2, WORLD / 2 - (y + 1) * width
            for feature in features(get_tile(client, dense, z, x, y), dense):
                # decode() gives tile units from the tile's south-west corner, y up; a grid
                # unit and a half of slack for the snapping to the tile grid.
                local = shape(feature["geometry"]).buffer(1.5)
                shapes.append(translate(scale(local, unit, unit, origin=(0, 0)), west, south))
        drawn = prep(unary_union(shapes))
        assert sum(not drawn.covers(point) for point in points) == 0, z


def test_no_parcel_is_missing_from_the_parcel_tiles(client, dense):
    bake = baked(dense)
    z = bake.detail_zoom
    seen = set()
    for x, y in extent_tiles(dense, z):
        seen |= {f["id"] for f in features(get_tile(client, dense, z, x, y), dense)}
    assert seen == {fid for fid, _x, _y in parcel_points(dense)}


def test_tiles_from_the_bakes_rows_are_those_of_the_feature_table(client, dense):
    bake = baked(dense)
    z = bake.detail_zoom + 1
    x, y = extent_tiles(dense, z)[0]
    from_rows = features(get_tile(client, dense, z, x, y), dense)
    TileBake.objects.filter(pk=bake.pk).update(settings_key="other")  # the bake unused
    forget_tile_sources()
    assert not tile_source(dense.collection_id).rows
    plain = features(get_tile(client, dense, z, x, y), dense)
    key = lambda f: f["id"]  # noqa: E731
    assert [(f["id"], f["properties"]) for f in sorted(from_rows, key=key)] == [
        (f["id"], f["properties"]) for f in sorted(plain, key=key)
    ]


def test_an_overview_tile_is_read_by_its_key_without_tile_sql(client, dense):
    bake = baked(dense)
    x, y = extent_tiles(dense, bake.min_zoom)[0]
    tile_source(dense.collection_id)  # the layer lookup, kept
    with CaptureQueriesContext(connection) as queries:
        assert get_tile(client, dense, bake.min_zoom, x, y).status_code == 200
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert "layers_bakedtile" in statements
    assert "ST_AsMVT" not in statements


def overview_groups(client, layer: Layer, bake: TileBake) -> dict[int, dict]:
    """Per overview zoom, the count of each distinct group (by feature id) of its tiles."""
    groups = {}
    for z in range(bake.min_zoom, bake.detail_zoom):
        groups[z] = {}
        for x, y in extent_tiles(layer, z):
            response = get_tile(client, layer, z, x, y)
            groups[z].update(
                (f["id"], f["properties"][COUNT_FIELD]) for f in features(response, layer)
            )
    return groups


def test_a_zoom_whose_densest_tile_is_over_the_overview_budget_gets_coarser_groups(
    client, dense, monkeypatch
):
    fine = overview_groups(client, dense, baked(dense))
    TileBake.objects.filter(revision_id=dense.published_revision_id).delete()
    # 1,200 parcels make overview tiles of a few kB: a budget below that coarsens the grid.
    monkeypatch.setattr(overview, "OVERVIEW_BYTES_BUDGET", 1_500)
    bake = baked(dense)
    coarse = overview_groups(client, dense, bake)
    assert coarse.keys() == fine.keys()
    assert any(len(coarse[z]) < len(fine[z]) for z in coarse)
    assert all(len(coarse[z]) <= len(fine[z]) for z in coarse)
    # Coarser, never incomplete: every zoom's groups still count every parcel once.
    assert all(sum(groups.values()) == 1200 for groups in coarse.values())
    # Each tile fits the budget, or its zoom is at the coarsest grid (a few cells a side,
    # plus those of the margin) and cannot shrink further.
    coarsest = (overview.MIN_OVERVIEW_CELLS + 2) ** 2
    for z in coarse:
        for x, y in extent_tiles(dense, z):
            response = get_tile(client, dense, z, x, y)
            size, drawn = len(response.content), len(features(response, dense))
            assert size <= overview.OVERVIEW_BYTES_BUDGET or drawn <= coarsest, (z, size, drawn)


def test_an_overview_tile_goes_gzipped_to_a_client_that_accepts_it(client, dense):
    bake = baked(dense)
    z = bake.min_zoom
    x, y = extent_tiles(dense, z)[0]
    plain = get_tile(client, dense, z, x, y)
    path = f"/tiles/{dense.collection_id}/{z}/{x}/{y}.mvt"
    packed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in packed["Vary"]
    assert packed["ETag"] == f"W/{plain['ETag']}"
    again = client.get(path, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304
    # Parcel tiles are rendered per request and never compressed by the portal.
    x, y = extent_tiles(dense, bake.detail_zoom)[0]
    parcels_tile = client.get(
        f"/tiles/{dense.collection_id}/{bake.detail_zoom}/{x}/{y}.mvt", HTTP_ACCEPT_ENCODING="gzip"
    )
    assert parcels_tile.status_code == 200 and "Content-Encoding" not in parcels_tile


def test_a_tile_baked_before_tiles_were_stored_gzipped_is_still_sent_plain(client, dense):
    bake = baked(dense)
    z = bake.min_zoom
    x, y = extent_tiles(dense, z)[0]
    plain = get_tile(client, dense, z, x, y).content
    BakedTile.objects.filter(bake=bake, z=z, x=x, y=y).update(data=plain)  # as format 1 stored
    path = f"/tiles/{dense.collection_id}/{z}/{x}/{y}.mvt"
    answer = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in answer and answer.content == plain


def test_tilejson_announces_the_min_zoom_the_bake_chose(client, dense):
    before = client.get(f"/tiles/{dense.collection_id}.json").json()
    bake = baked(dense)
    after = client.get(f"/tiles/{dense.collection_id}.json").json()
    assert before["minzoom"] == 0
    assert after["minzoom"] == bake.min_zoom
    assert after["tiles"] != before["tiles"]  # the version names the bake
    assert after["vector_layers"][0]["fields"][COUNT_FIELD] == "Number: 组内图斑数"
    assert COUNT_FIELD not in before["vector_layers"][0]["fields"]


def test_baking_again_changes_nothing(dense):
    bake = baked(dense)
    tiles = BakedTile.objects.filter(bake=bake).count()
    again = baked(dense)
    assert again.pk == bake.pk
    assert BakedTile.objects.filter(bake=bake).count() == tiles
    assert TileBake.objects.filter(revision_id=dense.published_revision_id).count() == 1


def test_a_new_publish_is_served_from_its_own_parcels_then_from_its_own_bake(client, dense):
    first = baked(dense)
    z = first.min_zoom
    x, y = extent_tiles(dense, z)[0]
    old = get_tile(client, dense, z, x, y)
    second = add_revision(dense, parcels(columns=10, rows=10))
    publish_revision(dense, second)
    forget_tile_sources()
    fresh = get_tile(client, dense, z, x, y)
    assert fresh["ETag"] != old["ETag"]
    # Not baked yet: the new parcels straight from SQL, never the old revision's groups.
    assert {f["properties"].get("name") for f in features(fresh, dense)} >= {"地块0-0"}
    assert all(COUNT_FIELD not in f["properties"] for f in features(fresh, dense))
    bake = baked(dense)
    assert bake.revision_id == second.pk
    if bake.detail_zoom:
        counts = {}
        for zz in [bake.min_zoom]:
            for tx, ty in extent_tiles(dense, zz):
                counts.update(
                    (f["id"], f["properties"][COUNT_FIELD])
                    for f in features(get_tile(client, dense, zz, tx, ty), dense)
                )
        assert sum(counts.values()) == 100


def test_a_bake_nobody_serves_goes_once_its_successor_is_old_enough(dense):
    first = baked(dense)
    second = add_revision(dense, parcels(shift=0.0001))
    publish_revision(dense, second)
    successor = baked(dense)
    baking.prune_bakes()  # within the grace: a process may still serve the first
    assert TileBake.objects.filter(pk=first.pk).exists()
    TileBake.objects.filter(pk__in=[first.pk, successor.pk]).update(
        built_at=successor.built_at - timedelta(hours=1)
    )
    baking.prune_bakes()
    ours = TileBake.objects.filter(revision__layer=dense)
    assert list(ours.values_list("pk", flat=True)) == [successor.pk]
    assert not TileRow.objects.filter(bake_id=first.pk).exists()
    assert not BakedTile.objects.filter(bake_id=first.pk).exists()


def test_a_changed_attribute_schema_is_served_plainly_until_baked_again(client, dense):
    bake = baked(dense)
    Layer.objects.filter(pk=dense.pk).update(attribute_schema=SCHEMA[:1])
    forget_tile_sources()
    assert tile_source(dense.collection_id).bake_id is None
    z = bake.detail_zoom
    x, y = extent_tiles(dense, z)[0]
    assert all(
        "TBMJ" not in f["properties"] for f in features(get_tile(client, dense, z, x, y), dense)
    )
    assert baked(dense).pk != bake.pk


def test_the_generalised_farmland_is_never_baked(demo_plan):
    farmland = Layer.objects.get(collection_id=FARMLAND_ID)
    assert farmland.public_policy == PublicPolicy.GENERALISED
    assert baking.bake_revision(farmland.published_revision_id) is None
    assert not TileBake.objects.filter(revision_id=farmland.published_revision_id).exists()


def test_a_publish_queues_the_bake(first_plan, django_capture_on_commit_callbacks):
    # A plan of its own: the demo plan's GeoPackage build is already queued, and a second
    # queueing of it aborts the test's transaction (in production each runs on its own).
    layer = make_layer(first_plan, "test-queued-bake", shapes=parcels(columns=2, rows=2))
    second = add_revision(layer, parcels(columns=5, rows=5))
    with django_capture_on_commit_callbacks(execute=True):
        publish_revision(layer, second)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT queue_name, status FROM procrastinate_jobs WHERE task_name = %s"
            " AND args->>'revision_id' = %s",
            [baking.BAKE_TASK, str(second.pk)],
        )
        assert cursor.fetchall() == [(baking.BAKE_QUEUE, "todo")]


def test_the_command_bakes_the_published_layers_named(dense):
    out = io.StringIO()
    call_command("bake_tiles", dense.collection_id, stdout=out)
    bake = TileBake.objects.get(revision_id=dense.published_revision_id)
    assert f"overview tiles z{bake.min_zoom}-{bake.detail_zoom - 1}" in out.getvalue()
    call_command("bake_tiles", dense.collection_id, "--prune", stdout=out)
    assert TileBake.objects.get(revision_id=dense.published_revision_id).pk == bake.pk
