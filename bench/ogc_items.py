"""OGC API items benchmark: /ogc/collections/{id}/items (limit 1000, a 1 km box) on gunicorn
against the raw SQL floor (the same features as GeoJSON text, built and joined by PostgreSQL,
no count, no HTTP) and against tipg 1.6 serving the same parcels from a plain table, rotating
pass by pass in the same run, at 1 and 4 clients, on 50,000 and 200,000 synthetic parcels.

    .venv/bin/python bench/ogc_items.py [--tipg .make/tipg-venv] [--sizes 50000,200000]

Run after ``make run`` has loaded the demo plan. The parcels go into a throwaway layer of the
demo plan (squares on a grid around the plan's centre, with six attributes like a farmland
layer's), removed again at the end; tipg (ONE uvicorn worker, from a venv of its own, as in
bench/tiles_vs_tipg.py: ``make bench`` makes it in .make/tipg-venv) reads a copy of the same
parcels in a plain table made by the database's owner, dropped at the end. Without tipg the
portal is compared with the floor only, and the script says so. Prints portal / raw and
portal / tipg per size and client count (the median of the per-pass ratios), with a PASS or
MISS line for each goal of issue 15 item 4 (at least 0.6x the floor, at least 1.5x tipg).
Every client keeps one connection to its target for all passes, as a GIS client keeps its
HTTP connection and the floor its PostgreSQL session.
"""

import argparse
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
from _server import free_port, serve_environment, start_gunicorn, stop  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from _database import vacuum  # noqa: E402
from django.db import connection  # noqa: E402
from tiles_vs_tipg import owner_connection, start_tipg  # noqa: E402

from layers.models import (  # noqa: E402
    Feature,
    FeatureDoc,
    Layer,
    LayerRevision,
    PublicPolicy,
    RevisionStatus,
)
from layers.ogc.docs import write_feature_docs  # noqa: E402
from layers.summary import summarise  # noqa: E402

COLLECTION = "bench-ogc-parcels"
TIPG_TABLE = "bench_ogc_parcels"
SIZES = (50_000, 200_000)
CLIENTS = (1, 4)
LIMIT = 1000
# After one warm-up pass; the order rotates. Eight short passes rather than four long ones:
# the median of the per-pass ratios then moves less from run to run (bench/README.md).
PASSES = 8
# Requests per pass, a multiple of the largest client count: tipg answers about 8 a second,
# so it gets fewer (a rate is a rate).
REQUESTS_PER_PASS = {"portal": 20, "raw": 20, "tipg": 8}
GOALS = {"raw": 0.6, "tipg": 1.5}  # issue 15 item 4: portal / other at least this
ATTRIBUTES = ("BSM", "DLBM", "DLMC", "XZQDM", "ZLDWMC", "TBMJ")
BOX_METRES = 1000
CENTRE = (111.0, 37.9)  # replaced by the plan's own centre
METRES_PER_DEGREE = 111_320.0

# The box as the portal asks the feature table's one GiST index, on geom_3857 (layers
# migration 0011); with a GiST index on geom instead it took about as long (bench/README.md).
FLOOR_SQL = """
SELECT '{"type":"FeatureCollection","features":[' || coalesce(string_agg(j, ','), '') || ']}'
FROM (
  SELECT '{"type":"Feature","id":' || f.id || ',"geometry":' || ST_AsGeoJSON(f.geom, 7)
         || ',"properties":' || f.properties::text || '}' AS j
  FROM layers_feature f
  WHERE f.revision_id = %(rev)s
    AND f.geom_3857 && layers_mercator_box(ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326))
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
    # What the publish's job does first (layers/tasks.py bake_tiles): the features' texts.
    write_feature_docs(revision.pk)
    vacuum(Feature, FeatureDoc)
    return layer, revision.pk


def remove_layer() -> None:
    for layer in Layer.objects.filter(collection_id=COLLECTION):
        Layer.objects.filter(pk=layer.pk).update(published_revision=None)
        layer.delete()
    vacuum(Feature, FeatureDoc, LayerRevision)


def make_tipg_table(owner, revision_id: int) -> None:
    """The layer's parcels in a plain table as ogr2ogr would load them (a column per
    attribute, TBMJ a number, a GiST index), for tipg; made by the database's owner."""
    columns = ", ".join(
        f"(f.properties ->> '{name}')::double precision AS \"{name}\""
        if name == "TBMJ"
        else f"f.properties ->> '{name}' AS \"{name}\""
        for name in ATTRIBUTES
    )
    with owner.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TIPG_TABLE}")
        cursor.execute(
            f"CREATE TABLE {TIPG_TABLE} AS SELECT f.id AS fid, f.geom, {columns}"  # noqa: S608
            " FROM layers_feature f WHERE f.revision_id = %s ORDER BY f.id",
            [revision_id],
        )
        cursor.execute(f"ALTER TABLE {TIPG_TABLE} ADD PRIMARY KEY (fid)")
        cursor.execute(f"CREATE INDEX ON {TIPG_TABLE} USING gist (geom)")
        cursor.execute(f"ANALYZE {TIPG_TABLE}")


def drop_tipg_table(owner) -> None:
    with owner.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TIPG_TABLE}")


def boxes() -> list[tuple[float, float, float, float]]:
    """Four 1 km boxes inside the grid."""
    half = BOX_METRES / METRES_PER_DEGREE / 2
    found = []
    for dx, dy in ((-0.01, -0.01), (0.01, 0.005), (0.0, 0.0), (-0.005, 0.012)):
        x, y = CENTRE[0] + dx, CENTRE[1] + dy
        found.append((x - half, y - half, x + half, y + half))
    return found


def run(fetches: list, requests: int) -> tuple[float, list[float]]:
    """Requests per second and latencies (ms) of one pass of ``requests``, one client per
    fetch function (each on its own connection, made before the first pass)."""
    jobs = list(range(requests))
    lock = threading.Lock()
    latencies: list[float] = []

    def worker(fetch):
        while True:
            with lock:
                if not jobs:
                    return
                index = jobs.pop()
            started = time.perf_counter()
            fetch(boxes()[index % 4])
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=worker, args=(fetch,)) for fetch in fetches]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return requests / (time.perf_counter() - started), latencies


def portal_path(box) -> str:
    bbox = ",".join(f"{v:.7f}" for v in box)
    return f"/ogc/collections/{COLLECTION}/items?limit={LIMIT}&bbox={bbox}"


def tipg_path(box) -> str:
    bbox = ",".join(f"{v:.7f}" for v in box)
    return f"/collections/public.{TIPG_TABLE}/items?limit={LIMIT}&bbox={bbox}"


def http_fetcher(port: int, path_of):
    """Keep-alive GETs; http.client asks for the identity encoding (no gzip), as GIS
    benchmarks of OGC APIs do."""

    def factory():
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def fetch(box):
            client.request("GET", path_of(box))
            response = client.getresponse()
            body = response.read()
            assert response.status == 200, body[:300]

        fetch.close = client.close
        return fetch

    return factory


def features_in(port: int, path: str) -> int:
    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    probe.request("GET", path)
    page = probe.getresponse().read()
    probe.close()
    return page.count(b'"type":"Feature"') or page.count(b'"type": "Feature"')


def sql_fetcher(conninfo: str, revision_id: int):
    def factory():
        conn = psycopg.connect(conninfo, autocommit=True)
        # As the portal's page statement runs (planportal/db.py SMALL_STATEMENT_SETTINGS): by
        # default PostgreSQL gives the floor a parallel plan at 200,000 parcels, 20 ms a page
        # instead of 3.
        conn.execute("SET jit = off")
        conn.execute("SET max_parallel_workers_per_gather = 0")

        def fetch(box):
            params = dict(rev=revision_id, x0=box[0], y0=box[1], x1=box[2], y1=box[3], limit=LIMIT)
            conn.execute(FLOOR_SQL, params).fetchone()

        fetch.close = conn.close
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


def verdict(ratio: float, goal: float) -> str:
    return "PASS" if ratio >= goal else "MISS"


def measure(count: int, clients: int, targets: dict) -> dict:
    """Rates and latencies per target and the per-pass ratios of the portal to each other
    target, over PASSES passes after a warm-up, the order rotating pass by pass. Each client
    keeps its connection (HTTP keep-alive, the floor's PostgreSQL session) through every
    pass: a connection made per pass charged the floor a new PostgreSQL backend, cold, in
    each pass, which raised the portal's ratio, and the more so the shorter the pass."""
    names = list(targets)
    fetches = {name: [targets[name]() for _ in range(clients)] for name in names}
    rates = {name: [] for name in names}
    latencies = {name: [] for name in names}
    ratios = {name: [] for name in names if name != "portal"}
    try:
        for index in range(PASSES + 1):
            shift = index % len(names)
            order = names[shift:] + names[:shift]
            measured = {name: run(fetches[name], REQUESTS_PER_PASS[name]) for name in order}
            if index == 0:
                continue  # warm-up
            for name, (rate, times) in measured.items():
                rates[name].append(rate)
                latencies[name] += times
            for name in ratios:
                ratios[name].append(measured["portal"][0] / measured[name][0])
    finally:
        for fetch in (fetch for made in fetches.values() for fetch in made):
            fetch.close()
    return {"rates": rates, "latencies": latencies, "ratios": ratios}


def cell(values: list[float]) -> str:
    return f"**{statistics.median(values):.2f}** ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    global CENTRE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    tipg = Path(os.environ.get("TIPG_VENV", REPO / ".make/tipg-venv"))
    parser.add_argument("--tipg", type=Path, default=tipg, help="a venv with tipg and uvicorn")
    parser.add_argument("--sizes", default=",".join(str(size) for size in SIZES))
    parser.add_argument("--clients", default=",".join(str(n) for n in CLIENTS))
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    client_counts = [int(n) for n in args.clients.split(",")]
    has_tipg = (args.tipg / "bin/uvicorn").exists()
    CENTRE = centre()
    owner = owner_connection()
    remove_layer()
    drop_tipg_table(owner)
    port, tipg_port = free_port(), free_port()
    print(f"load average at start: {os.getloadavg()}")
    if not has_tipg:
        print(f"no tipg in {args.tipg}: the portal is compared with the raw SQL floor only")
    verdicts = []
    print(
        "| parcels | clients | portal req/s | raw SQL req/s | tipg req/s | portal / raw "
        "| portal / tipg | p50 ms portal · raw · tipg | features per page portal · tipg |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in sizes:
        layer, revision_id = make_layer(count)
        servers = [start_gunicorn(port, env=serve_environment())]
        try:
            targets = {
                "portal": http_fetcher(port, portal_path),
                "raw": sql_fetcher(conninfo(), revision_id),
            }
            tipg_features = "-"
            if has_tipg:
                make_tipg_table(owner, revision_id)
                servers.append(start_tipg(args.tipg, [TIPG_TABLE], tipg_port))
                targets["tipg"] = http_fetcher(tipg_port, tipg_path)
                tipg_features = features_in(tipg_port, tipg_path(boxes()[0]))
            returned = features_in(port, portal_path(boxes()[0]))
            for clients in client_counts:
                found = measure(count, clients, targets)
                rates, latencies, ratios = found["rates"], found["latencies"], found["ratios"]

                def median_of(name, values):
                    return f"{statistics.median(values[name]):.1f}" if name in values else "-"

                p50 = " · ".join(
                    f"{statistics.median(latencies[name]):.0f}" if name in latencies else "-"
                    for name in ("portal", "raw", "tipg")
                )
                print(
                    f"| {count:,} | {clients} | {median_of('portal', rates)} "
                    f"| {median_of('raw', rates)} | {median_of('tipg', rates)} "
                    f"| {cell(ratios['raw'])} "
                    f"| {cell(ratios['tipg']) if 'tipg' in ratios else '-'} "
                    f"| {p50} | {returned} · {tipg_features} |",
                    flush=True,
                )
                for name, values in ratios.items():
                    ratio = statistics.median(values)
                    verdicts.append(
                        f"{verdict(ratio, GOALS[name])}: {count:,} parcels, {clients} "
                        f"client(s): portal / {name} {ratio:.2f}, goal at least {GOALS[name]}"
                    )
        finally:
            for server in servers:
                stop(server)
            remove_layer()
            drop_tipg_table(owner)
    print("\n".join(verdicts))
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
