"""The kept layer lookup never outlives a newer version a client names: TileJSON announces
the version read from the database in its own request, and a tile or revalidation asked for
with a version the lookup does not hold reads the layer again (a publish in another server
process is otherwise seen only after LAYER_LOOKUP_SECONDS)."""

import pytest
from django.db import connection

from layers.models import Layer
from layers.tiles.lookup import forget_tile_sources, kept_tile_source, tile_source
from tests.factories import add_revision, make_layer, square

pytestmark = pytest.mark.django_db


@pytest.fixture
def layer_with_two_revisions(first_plan):
    layer = make_layer(first_plan, "lookup-versions", shapes=[square(111.5, 37.1, 0.01)])
    second = add_revision(layer, [square(111.52, 37.1, 0.01)])
    forget_tile_sources()
    yield layer, second
    forget_tile_sources()


def publish_elsewhere(layer: Layer, revision) -> None:
    """What another server process's publish looks like from here: the row changes in the
    database and no signal reaches this process's lookup."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE layers_layer SET published_revision_id = %s WHERE id = %s",
            [revision.pk, layer.pk],
        )


def tilejson_version(client, collection_id: str) -> str:
    response = client.get(f"/tiles/{collection_id}.json")
    assert response.status_code == 200
    return response.json()["tiles"][0].split("?v=")[1]


def test_tilejson_announces_the_database_version_while_an_older_lookup_is_kept(
    client, layer_with_two_revisions
):
    layer, second = layer_with_two_revisions
    old = tile_source(layer.collection_id)
    publish_elsewhere(layer, second)
    assert tile_source(layer.collection_id) == old  # the kept lookup, for up to 2 s

    version = tilejson_version(client, layer.collection_id)
    assert version.startswith(f"{second.pk}-") and version != old.version
    # ... and the lookup it refreshed is what the tiles and revalidations now use.
    assert kept_tile_source(layer.collection_id).version == version


def test_a_tile_asked_for_with_a_newer_version_reads_the_layer_again(
    client, layer_with_two_revisions
):
    layer, second = layer_with_two_revisions
    old = tile_source(layer.collection_id)
    publish_elsewhere(layer, second)
    new_version = f"{second.pk}-{old.version.split('-')[1]}"

    # The fast path cannot answer for a version it does not hold: it hands the request on.
    assert kept_tile_source(layer.collection_id, new_version) is None
    assert kept_tile_source(layer.collection_id, old.version) == old
    source = tile_source(layer.collection_id, new_version)
    assert source.revision_id == second.pk and source.version == new_version

    response = client.get(f"/tiles/{layer.collection_id}/14/13457/6229.mvt?v={new_version}")
    assert response.status_code in (200, 204)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
