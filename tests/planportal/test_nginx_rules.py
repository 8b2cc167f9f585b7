"""The shipped nginx rules (deploy/nginx-planportal-server.conf, with the zone that
deploy/nginx-planportal.conf declares) pass `nginx -t`: drills/slow_clients.py measures them
under attack; this catches a rule nginx would refuse to load."""

import gzip
import json
import math
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port, wait_until_serving

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def test_the_shipped_server_rules_load_in_nginx(tmp_path):
    site = (REPO / "deploy/nginx-planportal.conf").read_text()
    config = nginx_config(tmp_path, 9, "127.0.0.1:9", tmp_path / "static")
    assert Path(NGINX).exists(), "make test installs nginx (scripts/install-system.sh --test)"
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "include /srv/planportal/deploy/nginx-planportal-server.conf;" in site
    assert "set $planportal_static /srv/planportal/staticfiles;" in site


def nginx_config(folder: Path, port: int, upstream: str, static: Path) -> Path:
    """nginx with the site's zones and the shipped server rules in front of ``upstream``."""
    site = (REPO / "deploy/nginx-planportal.conf").read_text()
    zone = re.search(r"^limit_conn_zone .*;$", site, re.M).group(0)
    cache = re.search(r"^proxy_cache_path .*?;$", site, re.M | re.S).group(0)
    cache = cache.replace("/var/cache/nginx/planportal", str(folder / "cache"))
    config = folder / "nginx.conf"
    config.write_text(
        f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    {zone}
    {cache}
    upstream planportal {{ server {upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        set $planportal_static {static};
        include {REPO}/deploy/nginx-planportal-server.conf;
    }}
}}
"""
    )
    return config


@pytest.fixture
def nginx_in_front(db, live_url):
    """nginx with the shipped rules in front of the tests' gunicorn (the demo plan), serving
    a static folder of the test's own. Its folder is readable by nginx's unprivileged workers."""
    folder = Path(tempfile.mkdtemp(prefix="test-nginx-"))
    folder.chmod(0o755)
    static = folder / "static"
    (static / "js").mkdir(parents=True)
    port = free_port()
    config = nginx_config(folder, port, live_url.removeprefix("http://"), static)
    server = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/healthz", server)
        yield base, static
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def fetch(url: str, **headers: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_sends_static_files_itself_with_their_gzip_copies(nginx_in_front):
    base, static = nginx_in_front
    script = b"export const served = 'by nginx';\n" * 40
    (static / "js/only-here.0123456789ab.js").write_bytes(script)
    (static / "js/only-here.0123456789ab.js.gz").write_bytes(gzip.compress(script))
    (static / "js/plain-name.js").write_bytes(script)

    status, headers, body = fetch(f"{base}/static/js/only-here.0123456789ab.js")
    assert (status, body) == (200, script)
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Type"] == "application/javascript"

    status, headers, body = fetch(
        f"{base}/static/js/only-here.0123456789ab.js", **{"Accept-Encoding": "gzip"}
    )
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == script

    # A name without the content's hash may change with the next release.
    status, headers, _ = fetch(f"{base}/static/js/plain-name.js")
    assert (status, headers["Cache-Control"]) == (200, "public, max-age=3600")
    # Outside the folder: nginx normalises the path before matching, nothing escapes.
    assert fetch(f"{base}/static/../nginx.conf")[0] in (400, 404)


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def test_nginx_keeps_public_tiles_and_features_and_revalidates_them(nginx_in_front):
    base, _ = nginx_in_front
    tilejson = json.loads(fetch(f"{base}/tiles/yangquanqu-xzc.json")[2])
    west, south, east, north = tilejson["bounds"]
    x, y = tile_of((west + east) / 2, (south + north) / 2, 12)
    tile = tilejson["tiles"][0].split("/tiles/", 1)[1].format(z=12, x=x, y=y)
    url = f"{base}/tiles/{tile}"

    first, second = fetch(url), fetch(url)
    assert (first[0], first[1]["X-Cache-Status"]) == (200, "MISS")
    assert (second[0], second[1]["X-Cache-Status"]) == (200, "HIT")
    assert second[2] == first[2]
    # A browser revalidating gets its 304 from nginx's copy.
    assert fetch(url, **{"If-None-Match": first[1]["ETag"]})[0] == 304

    items = f"{base}/ogc/collections/yangquanqu-xzc/items?limit=5"
    assert fetch(items)[1]["X-Cache-Status"] == "MISS"
    assert fetch(items)[1]["X-Cache-Status"] == "HIT"
    # Pages and the API are the portal's every time.
    assert "X-Cache-Status" not in fetch(f"{base}/")[1]
