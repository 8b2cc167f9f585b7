"""The residents of the load drill (drills/load.py), for Locust.

- ``MapViewer``: a phone that opens the plan map as a WeChat link opens it, with an empty
  browser cache: the page, every style sheet and script it loads (ES module imports followed),
  the GeoJSON of the layers the map opens with (following ``next`` links). Then it looks
  around: it pans and zooms (the tiles of each new view of the tiled layer, once it is on),
  switches on other layers (GeoJSON, or TileJSON and tiles) and, after 10-30 such actions,
  leaves; a new viewer with an empty cache takes its place. What a browser would keep
  (immutable static files, tiles with ?v=, GeoJSON within max-age) is asked for once per
  viewer, as a browser asks.
- ``Commenter``: a resident who sends an opinion: the form token, then the comment, each from
  an address of their own. Every phone names its address in X-Forwarded-For, which the
  drill's nginx counts connections by and its portal settings trust for two hops. Each
  acknowledged receipt goes to the file named by LOAD_RECEIPTS, one per line, for the drill's
  check that every 201 was stored.

The page and request names are what the drill's figures are grouped by.
"""

import json
import math
import os
import random
import re
from itertools import count
from urllib.parse import urljoin, urlsplit

from locust import FastHttpUser, between, constant_pacing, task

SLUG = os.environ.get("LOAD_PLAN", "yangquanqu-2021-2035")
MAP_PATH = f"/plans/{SLUG}/map/"
CONSULTATION = os.environ.get("LOAD_CONSULTATION", "1")
RECEIPTS = os.environ.get("LOAD_RECEIPTS", "")
VIEWPORT = (360, 740)  # CSS pixels of a common phone
ASSET = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="(/static/[^"]+\.(?:js|css))"')
IMPORT = re.compile(r'(?:\bfrom\s*|\bimport\s*)"([^"]+\.js)"')
CONFIG = re.compile(r'<script id="map-config" type="application/json">(.*?)</script>', re.S)
CATALOGUE = re.compile(r'<script id="map-catalogue" type="application/json">(.*?)</script>', re.S)
# Each static file's imports, read once for all viewers (the files are immutable).
IMPORTS: dict[str, list[str]] = {}
ADDRESSES = count(1)


def address() -> str:
    """An address of a phone of its own (each new viewer and each opinion has one)."""
    number = next(ADDRESSES)
    return f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"


def tile_range(lon: float, lat: float, zoom: int) -> list[tuple[int, int, int]]:
    """The tiles a phone's viewport centred on (lon, lat) shows at ``zoom``."""
    n = 2**zoom
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    half_w, half_h = VIEWPORT[0] / 512, VIEWPORT[1] / 512
    xs = range(max(0, int(x - half_w)), min(n - 1, int(x + half_w)) + 1)
    ys = range(max(0, int(y - half_h)), min(n - 1, int(y + half_h)) + 1)
    return [(zoom, tx, ty) for tx in xs for ty in ys]


class MapViewer(FastHttpUser):
    wait_time = between(3, 8)
    weight = 50

    def on_start(self):
        self.arrive()

    def get(self, path: str, name: str, headers: dict | None = None):
        """GET once per viewer for what a browser keeps; the answer's body, or None."""
        if path in self.cache:
            return None
        self.cache.add(path)
        headers = {"X-Forwarded-For": self.address, **(headers or {})}
        with self.client.get(path, name=name, headers=headers, catch_response=True) as answer:
            if answer.status_code not in (200, 204):
                answer.failure(f"HTTP {answer.status_code}")
                return None
            return answer.content or b""

    def arrive(self):
        """A new viewer with an empty cache opens the map."""
        self.cache: set[str] = set()
        self.address = address()
        self.actions_left = random.randint(10, 30)
        self.tiled: dict[str, dict] = {}
        page = self.get(MAP_PATH, "page: map")
        if page is None:
            return
        html = page.decode()
        self.config = json.loads(CONFIG.search(html).group(1))
        self.catalogue = {
            layer["collection_id"]: layer for layer in json.loads(CATALOGUE.search(html).group(1))
        }
        for path in ASSET.findall(html):
            self.static_file(path)
        west, south, east, north = self.config["extent"]
        self.extent = (west, south, east, north)
        self.centre = ((west + east) / 2, (south + north) / 2)
        self.zoom = 13
        for collection in self.config.get("default_layers", []):
            self.switch_on(collection)

    def static_file(self, path: str) -> None:
        body = self.get(path, "static", headers={"Accept-Encoding": "gzip, br"})
        if path.endswith(".js"):
            if path not in IMPORTS:
                if body is None:
                    return
                # Decompressed by the client only for gzip: ask again plain, once per run.
                headers = {"Accept-Encoding": "", "X-Forwarded-For": self.address}
                plain = self.client.get(path, name="static", headers=headers)
                IMPORTS[path] = [urljoin(path, i) for i in IMPORT.findall(plain.text or "")]
            for imported in IMPORTS[path]:
                self.static_file(urlsplit(imported).path)

    def switch_on(self, collection: str) -> None:
        layer = self.catalogue.get(collection)
        if layer is None:
            return
        links = layer.get("links", {})
        if layer.get("delivery") == "geojson" and links.get("items"):
            url, pages = links["items"], 0
            while url and pages < 50:
                body = self.get(urlsplit(url)._replace(scheme="", netloc="").geturl(), "GeoJSON")
                pages += 1
                url = None
                if body:
                    for link in json.loads(body).get("links", []):
                        if link.get("rel") == "next":
                            url = link["href"]
        else:
            body = self.get(urlsplit(links["tilejson"]).path, "TileJSON")
            if body:
                source = json.loads(body)
                self.tiled[collection] = source
                self.tiles()

    def tiles(self) -> None:
        for source in self.tiled.values():
            template = urlsplit(source["tiles"][0])
            path = f"{template.path}?{template.query}"
            native = min(max(self.zoom, source["minzoom"]), source["maxzoom"])
            if self.zoom < source["minzoom"]:
                continue
            for z, x, y in tile_range(*self.centre, native):
                tile = path.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
                self.get(tile, f"tile z{z}")

    def acted(self) -> None:
        self.actions_left -= 1
        if self.actions_left <= 0:
            self.arrive()

    @task(6)
    def pan_or_zoom(self):
        west, south, east, north = self.extent
        lon, lat = self.centre
        step = 360 / 2**self.zoom  # about a viewport's width
        self.centre = (
            min(max(lon + random.uniform(-step, step), west), east),
            min(max(lat + random.uniform(-step, step), south), north),
        )
        self.zoom = min(max(self.zoom + random.choice((-1, 0, 0, 1)), 11), 17)
        self.tiles()
        self.acted()

    @task(2)
    def another_layer(self):
        self.switch_on(random.choice(list(self.catalogue)))
        self.acted()


class Commenter(FastHttpUser):
    """Ten of them, one opinion every 2 s each: 5 comments/s."""

    fixed_count = 10
    wait_time = constant_pacing(2)

    @task
    def comment(self):
        headers = {"X-Forwarded-For": address()}
        with self.client.get(
            f"/api/consultations/{CONSULTATION}/form/",
            name="comment form token",
            headers=headers,
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
                return
            token = answer.json()["form_token"]
        opinion = {
            "body": f"压力演练：{headers['X-Forwarded-For']} 的意见，建议完善村庄公共服务设施。",
            "stance": "suggest",
            "consent_privacy": True,
            "form_token": token,
        }
        with self.client.post(
            f"/api/consultations/{CONSULTATION}/comments/",
            name="comment POST",
            data=json.dumps(opinion, ensure_ascii=False).encode(),
            headers={**headers, "Content-Type": "application/json"},
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")
                return
            if RECEIPTS:
                with open(RECEIPTS, "a", encoding="utf-8") as out:
                    out.write(answer.json()["receipt_code"] + "\n")
