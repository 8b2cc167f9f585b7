"""Generalised layers (PublicPolicy.GENERALISED, e.g. the demo 永久基本农田): their tiles show
where the designation lies in blocks of a fixed world grid, with no parcel outline, no feature
id and no attribute, and nothing deeper than z13; TileJSON says so."""

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Polygon

from layers.models import Layer, PublicPolicy
from layers.tiles.lookup import forget_tile_sources, tile_source
from layers.tiles.sql import (
    GENERALISED_CELLS,
    GENERALISED_MAX_ZOOM,
    TILE_EXTENT,
    WEB_MERCATOR_WIDTH_M,
)
from tests.factories import make_layer
from tests.layers.tiles.tile_helpers import FARMLAND_ID, tile_of

GRID_STEP = TILE_EXTENT // GENERALISED_CELLS  # tile units per cell


@pytest.fixture
def farmland(demo_plan) -> Layer:
    forget_tile_sources()
    return (
        Layer.objects.public().select_related("published_revision").get(collection_id=FARMLAND_ID)
    )


def tiles_over(layer: Layer, z: int) -> list[tuple[int, int]]:
    west, south, east, north = layer.published_revision.extent.extent
    x0, y0 = tile_of(west, north, z)
    x1, y1 = tile_of(east, south, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def decoded(client, collection_id: str, z: int, x: int, y: int) -> list[dict]:
    response = client.get(f"/tiles/{collection_id}/{z}/{x}/{y}.mvt")
    if response.status_code == 204:
        return []
    assert response.status_code == 200
    layers = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    assert list(layers) == [collection_id]
    return layers[collection_id]["features"]


def vertices(geometry: dict):
    rings = geometry["coordinates"]
    polygons = rings if geometry["type"] == "MultiPolygon" else [rings]
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def test_the_demo_farmland_is_generalised(farmland):
    assert farmland.public_policy == PublicPolicy.GENERALISED
    assert tile_source(FARMLAND_ID).generalised


@pytest.mark.parametrize("z", [12, GENERALISED_MAX_ZOOM])
def test_a_generalised_tile_has_one_attribute_free_shape_on_the_cell_grid(client, farmland, z):
    shapes = 0
    for x, y in tiles_over(farmland, z):
        features = decoded(client, FARMLAND_ID, z, x, y)
        assert len(features) <= 1  # the union of the cells: no parcel is a feature
        for feature in features:
            shapes += 1
            # No id, BSM, DLBM, MJ, XZQMC, name or category; at most the layer's data mark
            # (SJZT, the same value on every feature of the layer), which says what it is.
            assert set(feature["properties"]) <= {"SJZT"}
            assert feature.get("id") in (None, 0)
            assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
            # Every corner is a corner of the world grid of cells, so no parcel vertex is kept.
            for px, py in vertices(feature["geometry"]):
                assert px % GRID_STEP == 0 and py % GRID_STEP == 0, (z, x, y, px, py)
    assert shapes > 0


def test_the_tile_bytes_hold_no_parcel_attribute(client, farmland):
    parcel = farmland.published_revision.features.order_by("pk").first()
    point = parcel.geom.point_on_surface
    x, y = tile_of(point.x, point.y, GENERALISED_MAX_ZOOM)
    body = client.get(f"/tiles/{FARMLAND_ID}/{GENERALISED_MAX_ZOOM}/{x}/{y}.mvt").content
    texts = (*parcel.properties, *map(str, parcel.properties.values()), parcel.name)
    for text in {text.encode() for text in texts} | {b"BSM", b"DLBM", b"XZQMC"}:
        if len(text) >= 4:  # shorter bytes turn up in any geometry
            assert text not in body, text


def test_no_generalised_tile_is_served_deeper_than_z13(client, farmland):
    point = farmland.published_revision.features.order_by("pk").first().geom.point_on_surface
    for z in (GENERALISED_MAX_ZOOM + 1, 16):
        x, y = tile_of(point.x, point.y, z)
        assert client.get(f"/tiles/{FARMLAND_ID}/{z}/{x}/{y}.mvt").status_code == 404
        # Not even a revalidation with "*" gets a 304 for a tile that does not exist.
        url = f"/tiles/{FARMLAND_ID}/{z}/{x}/{y}.mvt"
        assert client.get(url, headers={"If-None-Match": "*"}).status_code == 404


def test_tilejson_announces_z13_and_no_fields(client, farmland):
    document = client.get(f"/tiles/{FARMLAND_ID}.json").json()
    assert document["maxzoom"] == GENERALISED_MAX_ZOOM
    [vector_layer] = document["vector_layers"]
    assert vector_layer["maxzoom"] == GENERALISED_MAX_ZOOM
    assert vector_layer["fields"] == {}


def test_a_parcel_smaller_than_a_cell_off_its_centre_is_not_drawn_and_a_block_is(client, demo_plan):
    """Cells are drawn when their centre is in a parcel: a 9-cell block of parcels comes out
    as that block, a sliver between cell centres not at all."""
    z = GENERALISED_MAX_ZOOM
    cell = WEB_MERCATOR_WIDTH_M / 2**z / GENERALISED_CELLS
    # Cells (i, j) of the world grid in EPSG:3857 near the demo plan, away from other tests.
    i0, j0 = int(12_414_700 // cell), int(4_450_500 // cell)

    def box(i, j, width, height):
        polygon = Polygon.from_bbox((i * cell, j * cell, (i + width) * cell, (j + height) * cell))
        polygon.srid = 3857
        return polygon.transform(4326, clone=True)

    block = [box(i0 + di, j0 + dj, 1, 1) for di in range(3) for dj in range(3)]  # 9 parcels
    sliver = box(i0 + 10, j0, 0.3, 0.3)  # a corner of a cell, off its centre
    layer = make_layer(
        demo_plan,
        "test-generalised-block",
        code="YJJBNT",
        shapes=[*block, sliver],
        policy=PublicPolicy.GENERALISED,
    )
    centre = block[4].centroid
    x, y = tile_of(centre.x, centre.y, z)
    [feature] = decoded(client, layer.collection_id, z, x, y)

    assert set(feature["properties"]) <= {"SJZT"}
    assert feature["geometry"]["type"] == "Polygon"  # nine parcels, one shape; the sliver: none
    [ring] = feature["geometry"]["coordinates"]
    xs = sorted({px for px, _ in ring})
    ys = sorted({py for _, py in ring})
    assert xs[-1] - xs[0] == ys[-1] - ys[0] == 3 * GRID_STEP
    assert len(set(map(tuple, ring))) == 4  # a square: the parcels' own edges are gone
