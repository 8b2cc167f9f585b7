"""What a phone downloads from the portal as `make run` serves it (scripts/serve.sh with
scripts/serve.env: production's settings, DEBUG off): static files under hashed names,
compressed and cached for a year; pages and JSON gzipped; tiles left to nginx."""

import gzip
import math
import re
import secrets
import subprocess
import sys
import urllib.request

import pytest

from layers.models import Layer
from tests.conftest import (
    DEMO_SLUG,
    REPO,
    gunicorn_serving,
    server_database_url,
    server_environment,
)

pytestmark = pytest.mark.django_db
ONE_YEAR = "max-age=31536000"


def make_run_environment() -> dict[str, str]:
    """The variables scripts/serve.sh exports from scripts/serve.env, and a secret key."""
    env = {"SECRET_KEY": secrets.token_urlsafe(40)}
    for line in (REPO / "scripts" / "serve.env").read_text().splitlines():
        name, _, value = line.partition("=")
        if name and not name.startswith("#"):
            env[name] = value
    return env


@pytest.fixture(scope="module")
def served(django_db_setup):
    env = server_environment(
        **make_run_environment(), DATABASE_URL=server_database_url(), DATABASE_CONN_MAX_AGE="0"
    )
    # As scripts/serve.sh does before it starts gunicorn: hashed names need the manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    with gunicorn_serving({**env, "WEB_CONCURRENCY": "1", "GUNICORN_ACCESS_LOG": ""}) as base:
        yield base


def get(url: str, encoding: str = "gzip, deflate, br"):
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read()


def test_the_map_page_names_hashed_files_cached_for_a_year(served):
    status, headers, body = get(f"{served}/plans/{DEMO_SLUG}/map/", "gzip")
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"  # the page itself
    assert "max-age" not in headers.get("Cache-Control", "")  # a page is not kept
    page = gzip.decompress(body).decode()
    static = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any(re.fullmatch(r"/static/js/map/main\.[0-9a-f]{12}\.js", url) for url in static)
    assert any(re.fullmatch(r"/static/leaflet/leaflet\.[0-9a-f]{12}\.js", url) for url in static)
    for url in static:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), f"{url} is not a hashed name"
        status, headers, _ = get(served + url)
        assert status == 200
        cache = headers["Cache-Control"]
        assert ONE_YEAR in cache and "immutable" in cache, f"{url}: {cache}"


def test_scripts_and_styles_come_compressed(served):
    page = gzip.decompress(get(f"{served}/plans/{DEMO_SLUG}/map/", "gzip")[2]).decode()
    main = re.search(r'src="(/static/js/map/main\.[0-9a-f]{12}\.js)"', page)[1]
    stylesheet = re.search(r'href="(/static/css/map\.[0-9a-f]{12}\.css)"', page)[1]
    for url in (main, stylesheet):
        _, plain_headers, plain = get(served + url, "identity")
        assert "Content-Encoding" not in plain_headers
        for encoding, decompress in (("gzip", gzip.decompress), ("br", None)):
            _, headers, body = get(served + url, encoding)
            assert headers["Content-Encoding"] == encoding, url
            assert "Accept-Encoding" in headers["Vary"]
            assert len(body) < len(plain) / 2
            if decompress:
                assert decompress(body) == plain


def test_json_is_gzipped_and_tiles_are_not(served):
    _, headers, body = get(f"{served}/api/plans/{DEMO_SLUG}/layers/", "gzip")
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b"[")
    items = f"{served}/ogc/collections/yangquanqu-xzc/items?limit=10"
    _, headers, body = get(items, "gzip")
    assert headers["Content-Encoding"] == "gzip"
    assert headers["ETag"].startswith('W/"')  # compared weakly on revalidation
    farmland = Layer.objects.get(collection_id="yangquanqu-yjjbnt")
    status, headers, body = get(f"{served}/tiles/yangquanqu-yjjbnt/{tile_over(farmland)}.mvt")
    assert status == 200 and body
    assert "Content-Encoding" not in headers  # nginx's work in production


def tile_over(layer: Layer, z: int = 12) -> str:
    """z/x/y of the tile over the middle of the layer's published features."""
    lon, lat = layer.published_revision.extent.centroid.coords
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}"
