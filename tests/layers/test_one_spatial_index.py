"""The feature table's one GiST index (layers migration 0011): on geom_3857, asked by readers of
lon/lat places through ``layers_mercator_box``.

What must hold: the table has no second GiST index (each one costs every upload's COPY an
insert per row); a lon/lat box asked through ``geom_3857 && layers_mercator_box(box)`` finds
exactly the features ``geom && box`` finds, for parcels, lines and points, boxes that only
touch a feature's edge or corner, a single point, the whole world and boxes beyond it (which PROJ
refuses or folds over); and the OGC API's bbox and S_INTERSECTS answer as before through it.
"""

import json
import random
from urllib.parse import quote

import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import connection

from layers.models import Feature, MercatorBox
from tests.factories import make_layer, square

pytestmark = pytest.mark.django_db

WEST, SOUTH = 111.40, 36.95  # around the demo plan
SPAN = 0.2


def scattered_shapes(seed: int = 7) -> list:
    """Squares, lines and points of varied sizes, on a grid of rounded coordinates so that
    box edges can fall exactly on their vertices."""
    chance = random.Random(seed)
    shapes = []
    for _ in range(300):
        x = WEST + chance.randrange(200) * SPAN / 200
        y = SOUTH + chance.randrange(200) * SPAN / 200
        size = chance.choice([0.0005, 0.002, 0.01])
        kind = chance.random()
        if kind < 0.6:
            geom = square(x, y, size)
        elif kind < 0.8:
            geom = LineString((x, y), (x + size, y + size / 2), srid=4326)
        else:
            geom = Point(x, y, srid=4326)
        shapes.append(geom)
    return shapes


def boxes(seed: int = 11) -> list[tuple[float, float, float, float]]:
    chance = random.Random(seed)
    found = []
    for _ in range(60):
        # Corners on the same grid as the shapes' vertices: many boxes touch a feature.
        west = WEST + chance.randrange(200) * SPAN / 200
        south = SOUTH + chance.randrange(200) * SPAN / 200
        found.append((west, south, west + chance.randrange(1, 40) * SPAN / 200,
                      south + chance.randrange(1, 40) * SPAN / 200))  # fmt: skip
    found.append((WEST + 0.05, SOUTH + 0.05, WEST + 0.05, SOUTH + 0.05))  # a point
    found.append((-180.0, -90.0, 180.0, 90.0))  # the whole world
    found.append((-200.0, -95.0, 200.0, 95.0))  # beyond it: PROJ would refuse or fold over
    return found


def ids(sql: str, revision_id: int, box: tuple) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM layers_feature f WHERE revision_id = %s AND {sql}",  # noqa: S608
            [revision_id, *box],
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_feature_table_has_one_gist_index_on_geom_3857(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'layers_feature' "
            "AND indexdef ILIKE '%USING gist%'"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 1
    assert "(geom_3857)" in definitions[0]


def test_the_mercator_box_finds_what_the_lon_lat_box_finds(demo_plan):
    layer = make_layer(demo_plan, "mercator-box", shapes=scattered_shapes())
    revision = layer.published_revision_id
    envelope = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    touching = 0
    for box in boxes():
        expected = ids(f"f.geom && {envelope}", revision, box)
        found = ids(f"f.geom_3857 && layers_mercator_box({envelope})", revision, box)
        assert found == expected, box
        touching += len(expected - ids(f"ST_Intersects(f.geom, ST_Buffer({envelope}, -1e-9))",
                                       revision, box))  # fmt: skip
    assert touching > 0  # some boxes only touch a feature: the edges are exact too
    assert len(ids(f"f.geom_3857 && layers_mercator_box({envelope})", revision, boxes()[-1])) == 300


def test_the_orm_expression_asks_the_same_box(demo_plan):
    layer = make_layer(demo_plan, "mercator-box-orm", shapes=scattered_shapes(seed=3))
    area = square(WEST + 0.03, SOUTH + 0.03, 0.05)
    features = Feature.objects.filter(revision_id=layer.published_revision_id)
    through_index = features.filter(geom_3857__bboverlaps=MercatorBox(area))
    assert set(through_index.values_list("id", flat=True)) == set(
        features.filter(geom__bboverlaps=area).values_list("id", flat=True)
    )
    assert through_index.exists()


def test_ogc_bbox_and_s_intersects_answer_through_the_mercator_box(client, demo_plan):
    layer = make_layer(demo_plan, "mercator-box-ogc", shapes=scattered_shapes(seed=5))
    revision = layer.published_revision_id
    url = f"/ogc/collections/{layer.collection_id}/items?limit=1000"

    def answered(query: str) -> set[int]:
        response = client.get(url + query)
        assert response.status_code == 200, response.content
        return {feature["id"] for feature in json.loads(response.content)["features"]}

    for box in [boxes()[0], boxes()[5], boxes()[-3], boxes()[-2]]:
        exact = ids("ST_Intersects(f.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))", revision, box)
        assert answered("&bbox=" + ",".join(map(str, box))) == exact, box
        cql = quote(f"S_INTERSECTS(geometry, BBOX({', '.join(map(str, box))}))")
        assert answered(f"&filter={cql}") == exact, box
    assert len(answered("&bbox=-180,-90,180,90")) == 300
