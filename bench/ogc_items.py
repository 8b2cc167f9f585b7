"""OGC API items benchmark: /ogc/collections/{id}/items (limit 1000, a 1 km box) on gunicorn
against the raw SQL floor (the same features as GeoJSON text, built and joined by PostgreSQL,
no count, no HTTP), alternating pass by pass in the same run, at 1 and 4 clients, on 50,000
and 200,000 synthetic parcels.

Run after ``make run`` has loaded the demo plan: ``.venv/bin/python bench/ogc_items.py``.
The parcels go into a throwaway layer of the demo plan (squares on a grid around the plan's
centre, with six attributes like a farmland layer's), removed again at the end. tipg is not
measured here (see bench/README.md).
"""

import http.client
import os
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

import django  # noqa: E402
from _server import free_port, start_gunicorn, stop  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from _database import vacuum  # noqa: E402
from django.db import connection  # noqa: E402

from layers.models import Feature, Layer, LayerRevision, PublicPolicy, RevisionStatus  # noqa: E402
from layers.summary import summarise  # noqa: E402

COLLECTION = "bench-ogc-parcels"
SIZES = (50_000, 200_000)
CLIENTS = (1, 4)
LIMIT = 1000
PASSES = 4  # after one warm-up pass; the order alternates
REQUESTS_PER_PASS = 40
BOX_METRES = 1000
CENTRE = (111.0, 37.9)  # replaced by the plan's own centre
METRES_PER_DEGREE = 111_320.0

FLOOR_SQL = """
SELECT '{"type":"FeatureCollection","features":[' || coalesce(string_agg(j, ','), '') || ']}'
FROM (
  SELECT '{"type":"Feature","id":' || f.id || ',"geometry":' || ST_AsGeoJSON(f.geom, 7)
         || ',"properties":' || f.properties::text || '}' AS j
  FROM layers_feature f
  WHERE f.revision_id = %(rev)s
    AND f.geom && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)
    AND ST_Intersects(f.geom, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326))
  ORDER BY f.id LIMIT %(limit)s) s
"""

# A side x side grid of squares (80 % of the cell), 7.8 km wide, around the centre.
GRID_SQL = """
INSERT INTO layers_feature (revision_id, geom, properties, category, name)
SELECT %(rev)s,
       ST_MakeEnvelope(x0, y0, x0 + cell * 0.8, y0 + cell * 0.8, 4326),
       jsonb_build_object('BSM', lpad(n::text, 18, '0'), 'DLBM', code, 'DLMC',
                          CASE code WHEN '0101' THEN '水田' WHEN '0102' THEN '水浇地'
                          ELSE '旱地' END,
                          'XZQDM', '140311101' || lpad((n %% 31)::text, 3, '0'),
                          'ZLDWMC', '村' || (n %% 31), 'TBMJ', round((cell * cell * 0.64
                          * 1.2e10)::numeric, 2)),
       code, ''
FROM (SELECT n, %(west)s + (n %% %(side)s) * %(cell)s AS x0,
             %(south)s + (n / %(side)s) * %(cell)s AS y0, %(cell)s AS cell,
             (ARRAY['0101', '0102', '0103'])[1 + n %% 3] AS code
      FROM generate_series(0, %(count)s - 1) AS n) g
"""


def make_layer(count: int) -> tuple[Layer, int]:
    template = Layer.objects.public().filter(plan__slug="yangquanqu-2021-2035").first()
    layer = Layer.objects.create(
        plan=template.plan,
        section=template.section,
        collection_id=COLLECTION,
        title="基准测试图斑",
        geometry_type="Polygon",
        public_policy=PublicPolicy.FEATURES,
        data_status=template.data_status,
        source_note="bench",
        publication_note="bench",
        is_demo=True,
    )
    revision = LayerRevision.objects.create(
        layer=layer, number=1, status=RevisionStatus.READY, feature_count=count
    )
    side = int(count**0.5) + 1
    width = 7800 / METRES_PER_DEGREE
    cell = width / side
    west, south = CENTRE[0] - width / 2, CENTRE[1] - width / 2
    with connection.cursor() as cursor:
        cursor.execute(
            GRID_SQL,
            {
                "rev": revision.pk,
                "west": west,
                "south": south,
                "side": side,
                "cell": cell,
                "count": count,
            },
        )
    summarise(revision.pk)
    Layer.objects.filter(pk=layer.pk).update(published_revision=revision)
    vacuum(Feature)
    return layer, revision.pk


def remove_layer() -> None:
    for layer in Layer.objects.filter(collection_id=COLLECTION):
        Layer.objects.filter(pk=layer.pk).update(published_revision=None)
        layer.delete()
    vacuum(Feature, LayerRevision)


def boxes() -> list[tuple[float, float, float, float]]:
    """Four 1 km boxes inside the grid."""
    half = BOX_METRES / METRES_PER_DEGREE / 2
    found = []
    for dx, dy in ((-0.01, -0.01), (0.01, 0.005), (0.0, 0.0), (-0.005, 0.012)):
        x, y = CENTRE[0] + dx, CENTRE[1] + dy
        found.append((x - half, y - half, x + half, y + half))
    return found


def run(clients: int, fetch_factory) -> tuple[float, list[float]]:
    """Requests per second and latencies (ms) of one pass of REQUESTS_PER_PASS."""
    jobs = list(range(REQUESTS_PER_PASS))
    lock = threading.Lock()
    latencies: list[float] = []

    def worker():
        fetch = fetch_factory()
        while True:
            with lock:
                if not jobs:
                    return
                index = jobs.pop()
            started = time.perf_counter()
            fetch(boxes()[index % 4])
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return REQUESTS_PER_PASS / (time.perf_counter() - started), latencies


def http_fetcher(port: int):
    def factory():
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def fetch(box):
            bbox = ",".join(f"{v:.7f}" for v in box)
            client.request("GET", f"/ogc/collections/{COLLECTION}/items?limit={LIMIT}&bbox={bbox}")
            response = client.getresponse()
            body = response.read()
            assert response.status == 200, body[:300]

        return fetch

    return factory


def sql_fetcher(conninfo: str, revision_id: int):
    def factory():
        conn = psycopg.connect(conninfo, autocommit=True)

        def fetch(box):
            params = dict(rev=revision_id, x0=box[0], y0=box[1], x1=box[2], y1=box[3], limit=LIMIT)
            conn.execute(FLOOR_SQL, params).fetchone()

        return fetch

    return factory


def conninfo() -> str:
    settings = connection.settings_dict
    parts = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def centre() -> tuple[float, float]:
    xzq = Layer.objects.public().filter(collection_id="yangquanqu-xzq").first()
    if xzq and xzq.published_revision.extent:
        point = xzq.published_revision.extent.centroid
        return point.x, point.y
    return CENTRE


def main() -> None:
    global CENTRE
    CENTRE = centre()
    remove_layer()
    port = free_port()
    print(f"load average at start: {os.getloadavg()}")
    print(
        "| parcels | clients | portal req/s | raw SQL req/s | portal / raw (median of passes) "
        "| portal p50 ms | raw p50 ms | features per page |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in SIZES:
        layer, revision_id = make_layer(count)
        server = start_gunicorn(port)
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            bbox = ",".join(f"{v:.7f}" for v in boxes()[0])
            probe.request("GET", f"/ogc/collections/{COLLECTION}/items?limit={LIMIT}&bbox={bbox}")
            page = probe.getresponse().read()
            returned = page.count(b'"type":"Feature"')
            for clients in CLIENTS:
                targets = {
                    "portal": http_fetcher(port),
                    "raw": sql_fetcher(conninfo(), revision_id),
                }
                rates = {"portal": [], "raw": []}
                latencies = {"portal": [], "raw": []}
                ratios = []
                for index in range(PASSES + 1):
                    order = ["portal", "raw"] if index % 2 else ["raw", "portal"]
                    measured = {name: run(clients, targets[name]) for name in order}
                    if index == 0:
                        continue  # warm-up
                    for name, (rate, times) in measured.items():
                        rates[name].append(rate)
                        latencies[name] += times
                    ratios.append(measured["portal"][0] / measured["raw"][0])
                print(
                    f"| {count:,} | {clients} | {statistics.median(rates['portal']):.1f} "
                    f"| {statistics.median(rates['raw']):.1f} "
                    f"| **{statistics.median(ratios):.2f}** "
                    f"({min(ratios):.2f}-{max(ratios):.2f}) "
                    f"| {statistics.median(latencies['portal']):.0f} "
                    f"| {statistics.median(latencies['raw']):.0f} | {returned} |",
                    flush=True,
                )
        finally:
            stop(server)
            remove_layer()
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
