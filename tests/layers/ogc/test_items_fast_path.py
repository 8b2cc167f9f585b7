"""OGC items answered in front of Django (``ogc_items_app`` in layers/ogc/fastpath.py, wrapped
around the WSGI application in planportal/wsgi.py).

Each request is made twice in-process against the real PostGIS test database: once through
the fast path with a recorder behind it (so a test knows the fast path answered and Django did
not), once through Django's own WSGI handler with the whole middleware stack. The answers must
be the same: status, headers, and body (gzip decompressed; the second-precision timeStamp
aside). What must be refused (tiles-only, unpublished, unknown collections, bad parameters, a
host or scheme Django refuses) is handed to Django, which refuses it. The last test reads an
items page from the real gunicorn server.
"""

import gzip
import http.client
import json
import re
from urllib.parse import quote, urlsplit

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings

from layers.models import Layer, PublicPolicy
from layers.ogc.fastpath import APPLIED, SKIPPED, answering_chain, ogc_items_app
from layers.ogc.lookup import forget_items_sources
from tests.factories import make_layer
from tests.layers.ogc.ogc_helpers import CGCS2000, parcel_shapes
from tests.wsgi_calls import Downstream, call, on_the_tests_connection  # noqa: F401 (autouse)
from tests.wsgi_calls import readable as wsgi_readable

ITEMS = "/ogc/collections/ogc-test-parcels/items"
TIME_STAMP = re.compile(rb'"timeStamp":"[^"]*"')


def readable(headers: list, body: bytes) -> tuple[dict, bytes]:
    """The answer as tests/wsgi_calls.py reads it, its second-precision timeStamp blanked."""
    found, body = wsgi_readable(headers, body)
    return found, TIME_STAMP.sub(b'"timeStamp":"-"', body)


@pytest.fixture
def parcels(demo_plan) -> Layer:
    forget_items_sources()
    yield make_layer(demo_plan, "ogc-test-parcels", shapes=parcel_shapes(), title="地块")
    forget_items_sources()


def fast_and_django(path: str, **headers: str):
    """The fast path's answer (which it must give itself) and Django's, in that order."""
    downstream = Downstream()
    fast = call(ogc_items_app(downstream), path, **headers)
    assert downstream.paths == [], f"the fast path handed {path} on to Django"
    return fast, call(WSGIHandler(), path, **headers)


BBOX = "110.995,36.99,111.026,37.01"
FILTER = quote("DLBM = '0103' AND TBMJ > 100")


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {}),
        ("?limit=2&offset=2", {}),  # next and prev links
        (f"?bbox={BBOX}&limit=1", {}),
        (f"?crs={quote(CGCS2000)}&properties=BSM,TBMJ&sortby=-TBMJ", {}),
        (f"?filter={FILTER}&f=json", {}),
        ("?offset=50", {}),  # past the end: counted for the prev link
        ("", {"Accept_Encoding": "gzip, deflate"}),
        ("?limit=3", {"Accept_Language": "en", "Origin": "https://gis.example.org"}),
        # Malformed cookies: the session one is deleted, a new CSRF token set, as Django does.
        ("?limit=3", {"Cookie": "sessionid=nothing; csrftoken=nothing"}),
        ("/", {}),  # the trailing slash the view tolerates
    ],
)
def test_the_fast_path_answers_as_django_does(parcels, query, headers):
    path = ITEMS + query if not query.startswith("/") else ITEMS + "/"
    (fast_status, fast_headers, fast_body), (status, django_headers, body) = fast_and_django(
        path, **headers
    )

    assert fast_status == status == "200 OK"
    assert readable(fast_headers, fast_body) == readable(django_headers, body)
    found = dict(fast_headers)
    # What the skipped middleware must not have been needed for, said outright.
    assert found["Content-Type"] == "application/geo+json"
    assert found["X-Frame-Options"] == "DENY"
    assert found["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in found
    assert found["Access-Control-Allow-Origin"] == "*"
    assert "Content-Language" not in found
    assert ("Set-Cookie" in found) == ("Cookie" in headers)
    assert "Accept-Language" not in found.get("Vary", "")
    assert json.loads(readable(fast_headers, fast_body)[1])["type"] == "FeatureCollection"


@override_settings(CSRF_USE_SESSIONS=True)
def test_with_the_csrf_token_in_the_session_a_request_without_cookies_varies_as_djangos(parcels):
    # The CSRF middleware reads the session then, and the session middleware says so.
    (_status, fast_headers, fast_body), (_status, django_headers, body) = fast_and_django(ITEMS)
    assert readable(fast_headers, fast_body) == readable(django_headers, body)
    assert "Cookie" in dict(fast_headers)["Vary"]


def test_a_gzip_answer_is_compressed_with_a_weak_etag_as_djangos(parcels):
    (_status, headers, body), _django = fast_and_django(ITEMS, Accept_Encoding="gzip")
    found = dict(headers)
    assert found["Content-Encoding"] == "gzip"
    assert found["ETag"].startswith('W/"')
    assert "Accept-Encoding" in found["Vary"]
    assert json.loads(gzip.decompress(body))["numberReturned"] == 6


def test_a_revalidation_is_304_as_djangos(parcels):
    etag = dict(call(WSGIHandler(), ITEMS)[1])["ETag"]
    for validator in (etag, f"W/{etag}", "*"):
        fast, django = fast_and_django(ITEMS, If_None_Match=validator)
        assert fast[0] == django[0] == "304 Not Modified"
        assert readable(*fast[1:]) == readable(*django[1:])
        assert fast[2] == b""


def test_the_same_features_as_the_item_endpoint(parcels):
    # The page's bytes come from PostgreSQL undecoded (layers/ogc/features.py): still UTF-8.
    _status, _headers, body = call(ogc_items_app(Downstream()), ITEMS)
    features = json.loads(body)["features"]
    assert [feature["properties"].get("DLMC") for feature in features][:3] == [
        "水田",
        "水浇地",
        "旱地",
    ]
    assert {feature["properties"]["SJZT"] for feature in features} == {"示意"}


# -- what must be refused still is ------------------------------------------------------------


def django_answers(path: str, method: str = "GET", scheme: str = "https", **headers: str):
    """Django's answer, after checking that the fast path handed the request on."""
    downstream = Downstream()
    status, _headers, body = call(ogc_items_app(downstream), path, method, scheme, **headers)
    assert (status, body) == ("418 I'm a teapot", b"downstream")
    assert downstream.paths == [path.partition("?")[0].encode().decode("latin-1")]
    return call(WSGIHandler(), path, method, scheme, **headers)


@pytest.mark.parametrize(
    "policy", [PublicPolicy.TILES_ONLY, PublicPolicy.GENERALISED], ids=["tiles", "generalised"]
)
def test_a_layer_without_downloadable_features_is_404_through_django(demo_plan, policy):
    make_layer(demo_plan, "ogc-test-tiles", shapes=parcel_shapes(), policy=policy)
    status, _headers, body = django_answers("/ogc/collections/ogc-test-tiles/items")
    assert status == "404 Not Found"
    assert b"Feature" not in body


def test_an_unpublished_layer_and_a_layer_of_an_unpublished_plan_are_404(demo_plan, parcels):
    assert call(ogc_items_app(Downstream()), ITEMS)[0] == "200 OK"  # kept in this process
    make_layer(demo_plan, "ogc-test-draft", shapes=parcel_shapes(), published=False)
    assert django_answers("/ogc/collections/ogc-test-draft/items")[0] == "404 Not Found"

    # Unpublishing the plan (a save in this process) forgets the kept layer at once.
    demo_plan.is_published = False
    demo_plan.save()
    assert django_answers(ITEMS)[0] == "404 Not Found"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/ogc/collections/no-such-layer/items", "404 Not Found"),
        (f"{ITEMS}?limit=abc", "400 Bad Request"),
        (f"{ITEMS}?unknown=1", "400 Bad Request"),
        (f"{ITEMS}?limit=1&limit=2", "400 Bad Request"),
        (f"{ITEMS}?filter={quote('NOSUCH = 1')}", "400 Bad Request"),
        (f"{ITEMS}?f=html", "400 Bad Request"),
        ("/ogc/collections/地块/items", "404 Not Found"),  # not a slug: not matched here
    ],
)
def test_errors_are_djangos_own_answers(parcels, path, status):
    answered, headers, body = django_answers(path)
    assert answered == status
    assert dict(headers)["Content-Type"] == "application/json"
    assert "code" in json.loads(body)


@pytest.mark.parametrize("method", ["HEAD", "POST", "OPTIONS", "DELETE"])
def test_other_methods_go_through_django(parcels, method):
    status = django_answers(ITEMS, method)[0]
    assert status == {"HEAD": "200 OK", "OPTIONS": "204 No Content"}.get(
        method, "405 Method Not Allowed"
    )


def test_a_host_django_refuses_is_refused(parcels):
    downstream = Downstream()
    assert call(ogc_items_app(downstream), ITEMS, Host="evil.example.org")[0].startswith("418")
    assert call(WSGIHandler(), ITEMS, Host="evil.example.org")[0] == "400 Bad Request"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_by_django_when_https_is_required(parcels):
    status, headers, _body = django_answers(ITEMS, scheme="http")
    assert status == "301 Moved Permanently"
    assert dict(headers)["Location"].startswith("https://")


def test_every_middleware_is_either_applied_or_known_to_do_nothing_here(settings):
    assert answering_chain(settings.MIDDLEWARE) is not None
    assert set(settings.MIDDLEWARE) <= set(APPLIED) | set(SKIPPED)


def test_an_unknown_middleware_switches_the_fast_path_off(settings, parcels):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.somewhere.NewMiddleware"]
    downstream = Downstream()
    assert ogc_items_app(downstream) is downstream
    assert answering_chain(settings.MIDDLEWARE) is None


# -- the served application ---------------------------------------------------------------------


def test_gunicorn_serves_items_with_the_fast_path_in_front(live_url):
    """The demo plan's township outline from the real server (planportal.wsgi, the fast
    path in front): gzipped, its Chinese as UTF-8."""
    path = "/ogc/collections/yangquanqu-xzq/items?limit=2"
    host = urlsplit(live_url).netloc
    connection = http.client.HTTPConnection(host, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        served = response.status, response.getheaders(), response.read()
    finally:
        connection.close()
    assert served[0] == 200
    served_headers = {
        name: value
        for name, value in served[1]
        if name not in ("Date", "Server", "Connection", "Content-Length")
    }
    served_body = TIME_STAMP.sub(b'"timeStamp":"-"', gzip.decompress(served[2]))
    assert served_headers["Content-Encoding"] == "gzip"
    assert json.loads(served_body)["features"]
    assert b"\\u" not in served_body  # Chinese as UTF-8, as Django's path writes it
