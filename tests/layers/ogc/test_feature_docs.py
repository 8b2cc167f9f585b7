"""FeatureDoc texts (layers/ogc/docs.py): a published revision's features written once as the
items answer writes them, read by the page instead of made per request.

What must hold: a page read from the docs is byte for byte the page made per request (the
mark, empty properties, mixed single and multi-part geometries, quotes and Chinese text, every
kind of query); a request the docs cannot answer (another CRS, ``properties=``, features that
carry the mark's key) is made per request; a feature whose doc is missing is still served;
only published revisions of downloadable layers get docs, once; the publish's job writes them,
and the docs of revisions no longer published are pruned.
"""

import json
import re
from urllib.parse import quote

import pytest
from django.contrib.gis.geos import MultiPolygon
from django.db import connection
from django.db.models import F, Func, Value

from layers import tasks
from layers.models import DataStatus, FeatureDoc, Layer, PublicPolicy
from layers.ogc.docs import prune_feature_docs, write_feature_docs
from layers.ogc.lookup import forget_items_sources
from tests.factories import add_revision, make_layer, square
from tests.layers.ogc.ogc_helpers import CGCS2000, parcel_shapes

pytestmark = pytest.mark.django_db

FILTER = quote("DLBM = '0103' OR BSM LIKE 'M%'")
TIME_STAMP = re.compile(rb'"timeStamp":"[^"]*"')
QUERIES = [
    "",
    "?limit=2&offset=2",
    "?bbox=110.995,36.99,111.026,37.01",
    "?sortby=-TBMJ",
    f"?filter={FILTER}",
    "?offset=50",  # past the end
    f"?crs={quote(CGCS2000)}",
    "?properties=BSM,DLMC",
]


def mixed_shapes() -> list[dict]:
    """The filter tests' six parcels, one with no properties at all, and a two-part one whose
    properties hold quotes, a backslash and Chinese text (so the revision mixes single and
    multi-part polygons and every geometry is served multi-part)."""
    two_parts = MultiPolygon(square(111.08, 37.0, 0.002), square(111.085, 37.0, 0.002))
    two_parts.srid = 4326
    return [
        *parcel_shapes(),
        {"geom": square(111.06, 37.0, 0.005), "properties": {}},
        {"geom": two_parts, "properties": {"BSM": "M1", "DLMC": '"引号" 与 \\ 反斜杠'}},
    ]


def items(client, layer: Layer, query: str = "") -> bytes:
    forget_items_sources()  # the lookup keeps whether the revision has docs for a while
    response = client.get(f"/ogc/collections/{layer.collection_id}/items{query}")
    assert response.status_code == 200, response.content
    return TIME_STAMP.sub(b'"timeStamp":"-"', response.content)


@pytest.mark.parametrize(
    "fields",
    [
        {"is_demo": True},
        {"data_status": DataStatus.SCHEMATIC},
        {"data_status": DataStatus.OFFICIAL},
    ],
)
def test_a_page_read_from_the_docs_is_the_page_made_per_request(client, demo_plan, fields):
    layer = make_layer(demo_plan, "docs-parcels", shapes=mixed_shapes(), **fields)
    made = {query: items(client, layer, query) for query in QUERIES}
    multi = json.loads(made[""])["features"][0]["geometry"]["type"]
    assert multi == "MultiPolygon"  # the revision mixes single and multi-part: all multi

    assert write_feature_docs(layer.published_revision_id) == len(mixed_shapes())

    for query in QUERIES:
        assert items(client, layer, query) == made[query], query


def test_the_page_reads_the_docs_where_the_request_allows(client, demo_plan):
    layer = make_layer(demo_plan, "docs-parcels", shapes=mixed_shapes(), is_demo=True)
    write_feature_docs(layer.published_revision_id)
    # A doc changed behind the portal's back shows which answers read the docs.
    FeatureDoc.objects.filter(revision_id=layer.published_revision_id).update(
        text=_replaced("text", '"P1"', '"from the doc"')
    )
    for query in ("", "?sortby=-TBMJ", "?bbox=110.995,36.99,111.026,37.01"):
        assert b'"from the doc"' in items(client, layer, query), query
    for query in (f"?crs={quote(CGCS2000)}", "?properties=BSM,DLMC"):
        page = items(client, layer, query)
        assert b'"from the doc"' not in page and b'"P1"' in page, query
    # A single feature is made per request.
    feature = json.loads(items(client, layer, "?limit=1"))["features"][0]
    single = client.get(f"/ogc/collections/{layer.collection_id}/items/{feature['id']}")
    assert b'"P1"' in single.content


def test_features_carrying_the_mark_key_are_made_per_request(client, demo_plan):
    shapes = [{"geom": square(111.0, 37.0, 0.005), "properties": {"BSM": "P1", "SJZT": "正式"}}]
    layer = make_layer(demo_plan, "docs-marked", shapes=shapes, is_demo=True)
    made = items(client, layer)
    write_feature_docs(layer.published_revision_id)
    FeatureDoc.objects.filter(revision_id=layer.published_revision_id).update(
        text=_replaced("text", '"P1"', '"from the doc"')
    )
    page = items(client, layer)
    assert page == made
    assert json.loads(page)["features"][0]["properties"]["SJZT"] == "演示数据"


def test_a_feature_without_its_doc_is_still_served(client, demo_plan):
    layer = make_layer(demo_plan, "docs-parcels", shapes=mixed_shapes(), is_demo=True)
    made = items(client, layer)
    write_feature_docs(layer.published_revision_id)
    first = layer.published_revision.features.order_by("id").first()
    FeatureDoc.objects.filter(fid=first.pk).delete()
    assert items(client, layer) == made
    assert len(json.loads(made)["features"]) == len(mixed_shapes())


def test_only_a_published_downloadable_revision_gets_docs_once(demo_plan):
    layer = make_layer(demo_plan, "docs-parcels", shapes=parcel_shapes())
    revision_id = layer.published_revision_id
    assert write_feature_docs(revision_id) == 6
    assert write_feature_docs(revision_id) == 0  # already written
    assert FeatureDoc.objects.filter(revision_id=revision_id).count() == 6

    draft = add_revision(layer, parcel_shapes())  # not published
    assert write_feature_docs(draft.pk) is None
    tiles_only = make_layer(
        demo_plan, "docs-tiles", shapes=parcel_shapes(), policy=PublicPolicy.TILES_ONLY
    )
    assert write_feature_docs(tiles_only.published_revision_id) is None
    others = [draft.pk, tiles_only.published_revision_id]
    assert not FeatureDoc.objects.filter(revision_id__in=others).exists()


def test_the_publish_job_writes_the_docs(demo_plan):
    layer = make_layer(demo_plan, "docs-parcels", shapes=parcel_shapes())
    tasks.bake_tiles(revision_id=layer.published_revision_id)
    assert FeatureDoc.objects.filter(revision_id=layer.published_revision_id).count() == 6


def test_docs_of_a_revision_no_longer_published_are_pruned(demo_plan):
    layer = make_layer(demo_plan, "docs-parcels", shapes=parcel_shapes())
    first = layer.published_revision
    write_feature_docs(first.pk)
    second = add_revision(layer, parcel_shapes()[:2])
    Layer.objects.filter(pk=layer.pk).update(published_revision=second)
    write_feature_docs(second.pk)

    # Only this layer's docs are looked at: the suite's database may hold other layers'
    # (the demo plan's, written by a test server's publish job or start-up).
    layer_docs = FeatureDoc.objects.filter(revision_id__in=[first.pk, second.pk])
    assert prune_feature_docs() >= 6
    assert list(layer_docs.values_list("revision_id", flat=True).distinct()) == [second.pk]
    assert layer_docs.count() == 2
    Layer.objects.filter(pk=layer.pk).update(published_revision=None)
    assert prune_feature_docs() >= 2
    assert not layer_docs.exists()


def test_every_doc_is_a_feature_of_its_revision(demo_plan):
    layer = make_layer(demo_plan, "docs-parcels", shapes=parcel_shapes())
    write_feature_docs(layer.published_revision_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM layers_featuredoc d JOIN layers_feature f ON f.id = d.fid"
            " WHERE d.revision_id = %s AND f.revision_id = %s",
            [layer.published_revision_id, layer.published_revision_id],
        )
        assert cursor.fetchone()[0] == 6


def _replaced(column: str, old: str, new: str) -> Func:
    return Func(F(column), Value(old), Value(new), function="replace")
