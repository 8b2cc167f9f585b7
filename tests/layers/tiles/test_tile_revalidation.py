"""Tile revalidations answered in front of Django (``tile_revalidation_app`` in
layers/tiles/fastpath.py, wrapped around the WSGI application in planportal/wsgi.py).

What a browser sees is checked on the real gunicorn server (``live_url`` serves
planportal.wsgi): 304 while the ETag holds, the tile again once a publish changed it, the view's
own answer for anything else. Which requests the fast path answers itself, and which it hands on
to Django, is checked in-process against the committed demo data.
"""

import http.client
import io
import json
import time
from urllib.parse import urlsplit
from wsgiref.util import setup_testing_defaults

import mapbox_vector_tile
import pytest
from django.core.signals import request_started

from layers.models import Layer
from layers.revisions.publishing import publish_revision
from layers.tiles.fastpath import tile_revalidation_app
from layers.tiles.lookup import LAYER_LOOKUP_SECONDS, forget_tile_sources, tile_source
from planportal.models import Plan
from tests.conftest import DEMO_SLUG
from tests.factories import add_revision, make_layer, square
from tests.layers.tiles.tile_helpers import FARMLAND_ID, VILLAGE, tile_of

SHORT_CACHE = "public, max-age=300"
YEAR_CACHE = "public, max-age=31536000, immutable"
MVT = "application/vnd.mapbox-vector-tile"


def fetch(base: str, path: str, method: str = "GET", **headers: str):
    """(status, headers, body) of one request, on a connection of its own."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    try:
        names = {name.replace("_", "-"): value for name, value in headers.items()}
        connection.request(method, path, headers=names)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def farmland_tile(django_db_setup, django_db_blocker) -> str:
    """The z13 tile over the demo farmland's first parcel (a generalised layer: z13 is its
    deepest zoom)."""
    with django_db_blocker.unblock():
        layer = Layer.objects.public().get(collection_id=FARMLAND_ID)
        parcel = layer.published_revision.features.order_by("pk").first()
        point = parcel.geom.point_on_surface
    x, y = tile_of(point.x, point.y, 13)
    return f"/tiles/{FARMLAND_ID}/13/{x}/{y}.mvt"


@pytest.fixture
def two_revisions(django_db_setup, django_db_blocker):
    """A committed polygon layer with revision 1 published and revision 2 ready, so that the
    live server sees them; removed afterwards (the audit events of its publishes stay: the
    audit trail is append-only)."""
    with django_db_blocker.unblock():
        plan = Plan.objects.get(slug=DEMO_SLUG)
        parcel = square(*VILLAGE, 0.001)
        layer = make_layer(
            plan,
            "test-revalidation-parcels",
            shapes=[{"geom": parcel, "name": "旧地块", "category": "0103"}],
        )
        second = add_revision(layer, [{"geom": parcel, "name": "新地块", "category": "0101"}])
    yield layer, second
    with django_db_blocker.unblock():
        Layer.objects.filter(pk=layer.pk).update(published_revision=None)
        Layer.objects.filter(pk=layer.pk).delete()


def names_in(body: bytes, collection_id: str) -> list[str]:
    return [
        f["properties"]["name"] for f in mapbox_vector_tile.decode(body)[collection_id]["features"]
    ]


@pytest.mark.django_db
def test_a_tile_revalidated_with_its_etag_is_304_with_the_tiles_caching_headers(
    live_url, farmland_tile
):
    status, headers, body = fetch(live_url, farmland_tile)
    assert status == 200 and body
    etag = headers["ETag"]

    # W/: the weak form a gzipping proxy (nginx) gives browsers; If-None-Match matches it.
    for validator in (etag, f'"other", {etag}', "*", f"W/{etag}"):
        status, revalidated, body = fetch(live_url, farmland_tile, If_None_Match=validator)
        assert status == 304
        assert body == b""
        assert revalidated["ETag"] == etag
        assert revalidated["Cache-Control"] == SHORT_CACHE
        assert revalidated["Content-Type"] is None


@pytest.mark.django_db
def test_a_revalidation_with_another_etag_gets_the_tile_from_the_view(live_url, farmland_tile):
    _, plain, tile = fetch(live_url, farmland_tile)

    status, headers, body = fetch(live_url, farmland_tile, If_None_Match='"not-this-one"')

    assert status == 200
    assert body == tile
    assert headers["Content-Type"] == MVT
    assert headers["ETag"] == plain["ETag"]
    assert headers["X-Frame-Options"] == "DENY"  # the whole middleware stack answered


@pytest.mark.django_db
def test_a_head_revalidation_is_304_and_a_plain_head_is_200_without_a_body(live_url, farmland_tile):
    status, headers, body = fetch(live_url, farmland_tile, method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Type"] == MVT

    status, revalidated, body = fetch(
        live_url, farmland_tile, method="HEAD", If_None_Match=headers["ETag"]
    )
    assert (status, body) == (304, b"")
    assert revalidated["ETag"] == headers["ETag"]


@pytest.mark.django_db
def test_a_revalidated_versioned_tile_url_keeps_the_caching_the_view_gives_it(
    live_url, farmland_tile
):
    _, _, document = fetch(live_url, f"/tiles/{FARMLAND_ID}.json")
    version = json.loads(document)["tiles"][0].split("?v=")[1]
    _, headers, _ = fetch(live_url, farmland_tile)
    # Django reads the last of repeated parameters, so the fast path must too.
    expected = {
        f"?v={version}": YEAR_CACHE,
        "?v=1-00000000": SHORT_CACHE,
        f"?v=stale&v={version}": YEAR_CACHE,
        f"?v={version}&v=stale": SHORT_CACHE,
        f"?other=1&v={version}": YEAR_CACHE,
    }
    for query, cache_control in expected.items():
        _, from_view, _ = fetch(live_url, farmland_tile + query)
        status, revalidated, _ = fetch(
            live_url, farmland_tile + query, If_None_Match=headers["ETag"]
        )
        assert status == 304, query
        assert revalidated["Cache-Control"] == from_view["Cache-Control"] == cache_control, query


def test_after_a_publish_the_old_etag_gets_the_new_tile_within_the_lookup_time(
    live_url, two_revisions, django_db_blocker
):
    layer, second = two_revisions
    x, y = tile_of(*VILLAGE, 15)
    path = f"/tiles/{layer.collection_id}/15/{x}/{y}.mvt"
    status, headers, body = fetch(live_url, path)
    assert status == 200 and names_in(body, layer.collection_id) == ["旧地块"]
    old_etag = headers["ETag"]
    assert fetch(live_url, path, If_None_Match=old_etag)[0] == 304

    with django_db_blocker.unblock():
        publish_revision(layer, second)
    # Each server process keeps its layer lookup for up to LAYER_LOOKUP_SECONDS, so until then
    # a request may still meet the old revision.
    status, headers, body = until(lambda: fetch(live_url, path, If_None_Match=old_etag), 200)
    assert status == 200
    assert names_in(body, layer.collection_id) == ["新地块"]
    new_etag = headers["ETag"]
    assert new_etag != old_etag
    assert until(lambda: fetch(live_url, path, If_None_Match=new_etag), 304)[0] == 304


def until(request, status: int):
    """request()'s answer once it has ``status``, or its last one when the layer lookup time
    (plus a margin for a busy machine) is over."""
    deadline = time.monotonic() + LAYER_LOOKUP_SECONDS + 5
    while True:
        answer = request()
        if answer[0] == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/tiles/no-such-layer/14/0/0.mvt", 404),
        ("GET", f"/tiles/{FARMLAND_ID}/23/0/0.mvt", 404),  # deeper than the pyramid
        ("GET", f"/tiles/{FARMLAND_ID}/14/99999/0.mvt", 404),  # x outside zoom 14
        ("GET", f"/tiles/{FARMLAND_ID}/14/-1/0.mvt", 404),
        ("GET", f"/tiles/{FARMLAND_ID}/14/0/0.png", 404),
        ("GET", f"/tiles/{FARMLAND_ID}/14/0/0.mvt/extra", 404),
        ("POST", f"/tiles/{FARMLAND_ID}/14/0/0.mvt", 403),  # CSRF, before the view's 405
    ],
)
@pytest.mark.django_db
def test_requests_that_are_not_a_tile_revalidation_get_djangos_answer(
    live_url, method, path, status
):
    assert fetch(live_url, path, method=method, If_None_Match="*")[0] == status


# -- in-process: which requests the fast path answers -----------------------------------------


class Downstream:
    """The application behind the fast path: records what reaches it."""

    def __init__(self):
        self.paths = []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"downstream"]


def call(application, path: str, method: str = "GET", **headers: str):
    query = path.split("?", 1)[1] if "?" in path else ""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path.split("?")[0], "QUERY_STRING": query}
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    environ["wsgi.input"] = io.BytesIO(b"")
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=dict(response_headers))

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.fixture
def kept_farmland(django_db_blocker):
    """The farmland layer's lookup kept in this process, as a server keeps it after serving
    one of its tiles; forgotten afterwards."""
    with django_db_blocker.unblock():
        tile_source(FARMLAND_ID)
    yield
    forget_tile_sources()


def test_the_fast_path_answers_a_valid_revalidation_without_calling_django(
    live_url, farmland_tile, kept_farmland
):
    etag = fetch(live_url, farmland_tile)[1]["ETag"]
    downstream = Downstream()
    application = tile_revalidation_app(downstream)

    # Database access is blocked here (pytest-django): a query would fail the test.
    for method, validator in (("GET", etag), ("HEAD", etag), ("GET", f"W/{etag}")):
        status, headers, body = call(application, farmland_tile, method, If_None_Match=validator)
        assert status == "304 Not Modified"
        assert headers == {"ETag": etag, "Cache-Control": SHORT_CACHE}
        assert body == b""
    assert downstream.paths == []


def test_an_expired_layer_lookup_is_left_to_django_which_reads_it_again(
    live_url, farmland_tile, django_db_blocker
):
    from planportal.wsgi import application

    etag = fetch(live_url, farmland_tile)[1]["ETag"]
    forget_tile_sources()
    downstream = Downstream()

    status, _, body = call(tile_revalidation_app(downstream), farmland_tile, If_None_Match=etag)
    assert (status, body) == ("200 OK", b"downstream")

    with django_db_blocker.unblock():
        assert call(application, farmland_tile, If_None_Match=etag)[0] == "304 Not Modified"
    # Django's answer kept the lookup: the next revalidation is the fast path's.
    assert call(tile_revalidation_app(downstream), farmland_tile, If_None_Match=etag)[0] == (
        "304 Not Modified"
    )
    assert downstream.paths == [farmland_tile]
    forget_tile_sources()


def test_the_served_application_answers_revalidations_before_django_starts_a_request(
    live_url, farmland_tile, kept_farmland, django_db_blocker
):
    from planportal.wsgi import application

    etag = fetch(live_url, farmland_tile)[1]["ETag"]
    started = []

    def record(**_kwargs):
        started.append(True)

    request_started.connect(record)
    try:
        revalidated = call(application, farmland_tile, If_None_Match=etag)
        assert started == []
        with django_db_blocker.unblock():
            cold = call(application, farmland_tile)
    finally:
        request_started.disconnect(record)

    assert revalidated[0] == "304 Not Modified"
    assert cold[0] == "200 OK" and started == [True]


@pytest.mark.parametrize(
    ("method", "path", "validator"),
    [
        ("GET", "{tile}", None),  # no validator: a cold request
        ("GET", "{tile}", '"not-this-one"'),
        ("GET", "{tile}", ""),
        ("POST", "{tile}", "*"),
        ("GET", "/tiles/no-such-layer/14/0/0.mvt", "*"),
        ("GET", f"/tiles/{FARMLAND_ID}/23/0/0.mvt", "*"),
        ("GET", f"/tiles/{FARMLAND_ID}/14/16384/0.mvt", "*"),
        ("GET", f"/tiles/{FARMLAND_ID}/\u0661\u0664/0/0.mvt", "*"),  # Arabic-Indic digits
        ("GET", f"/tiles/{FARMLAND_ID}/14/0/0.mvt.gz", "*"),
        ("GET", f"/en/tiles/{FARMLAND_ID}/14/0/0.mvt", "*"),
        ("GET", "/", "*"),
    ],
)
def test_everything_else_is_handed_on_to_django(
    farmland_tile, kept_farmland, method, path, validator
):
    downstream = Downstream()
    headers = {} if validator is None else {"If_None_Match": validator}
    path = path.format(tile=farmland_tile)

    # Without touching the database, which is blocked here.
    status, _, body = call(tile_revalidation_app(downstream), path, method, **headers)

    assert (status, body) == ("200 OK", b"downstream")
    assert downstream.paths == [path]
