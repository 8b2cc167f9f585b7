"""Vector tile benchmark: the tile endpoint on gunicorn against the same SQL run directly.

Run after ``make run`` has loaded the demo plan (``make bench`` does): ``.venv/bin/python
bench/tiles.py``. It measures the demo farmland layer ``yangquanqu-yjjbnt`` (tiles-only, about
3000 parcels) of the local database. See bench/README.md for what is measured and why.
"""

import http.client
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.db import connection  # noqa: E402

from layers.models import Layer  # noqa: E402
from layers.tiles import tile_query, tile_source  # noqa: E402

FARMLAND_ID = "yangquanqu-yjjbnt"
ZOOMS_ALL_TILES = (10, 12)
ZOOMS_SAMPLED = (14, 16)
SAMPLE_SIZE = 200
SEED = 20231101
CLIENTS = 8
WORKERS = 3  # as `make run` serves
PHASE_SECONDS = 60  # a phase stops issuing requests after this long
TOTAL_SECONDS = 600  # and every phase stops once the whole run has taken this long
MIN_REQUESTS = 100  # small tile sets are fetched in rounds up to this many requests
REPEATS = 3  # cold, cached and raw alternate this often; tiles/s is the median of the repeats
OVERHEAD_GOAL_MS = 5.0
CACHED_SPEEDUP_GOAL = 5.0


@dataclass
class Sample:
    tile: tuple[int, int, int]
    status: int
    ms: float
    size: int
    etag: str = ""


@dataclass
class Phase:
    samples: list[Sample]
    rates: list[float]  # tiles/s of each repetition

    @property
    def rate(self) -> float:
        return statistics.median(self.rates) if self.rates else 0.0

    def __add__(self, other: "Phase") -> "Phase":
        return Phase(self.samples + other.samples, self.rates + other.rates)

    def percentile(self, q: float) -> float:
        times = sorted(s.ms for s in self.samples)
        return times[min(len(times) - 1, math.ceil(q * len(times)) - 1)] if times else 0.0

    @property
    def mean_bytes(self) -> float:
        return statistics.fmean(s.size for s in self.samples) if self.samples else 0.0


# -- the data ----------------------------------------------------------------------------------


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(x, n - 1), min(y, n - 1)


def tile_set(layer: Layer) -> dict[int, list[tuple[int, int, int]]]:
    """Every tile over the data's extent at z10 and z12; a seeded sample of the tiles that
    hold a parcel (one of its inner points) at z14 and z16."""
    west, south, east, north = layer.published_revision.extent.extent
    tiles = {}
    for z in ZOOMS_ALL_TILES:
        x0, y0 = tile_of(west, north, z)
        x1, y1 = tile_of(east, south, z)
        tiles[z] = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p"
            " FROM layers_feature WHERE revision_id = %s) AS points",
            [layer.published_revision_id],
        )
        points = cursor.fetchall()
    rng = random.Random(SEED)
    for z in ZOOMS_SAMPLED:
        with_data = sorted({(z, *tile_of(lon, lat, z)) for lon, lat in points})
        tiles[z] = sorted(rng.sample(with_data, min(SAMPLE_SIZE, len(with_data))))
    return tiles


RUN_DEADLINE = time.monotonic() + TOTAL_SECONDS

# -- running requests --------------------------------------------------------------------------


def run_concurrently(tiles: list, fetchers: list) -> Phase:
    """Each client (one per fetcher, each in its own thread) takes the next tile until none is
    left or the phase runs out of time. The clock starts when every thread is ready."""
    queue = list(reversed(tiles))
    lock = threading.Lock()
    samples: list[Sample] = []
    deadline = min(time.monotonic() + PHASE_SECONDS, RUN_DEADLINE)
    ready = threading.Barrier(len(fetchers) + 1)

    def client(fetch):
        ready.wait()
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    return
                tile = queue.pop()
            sample = fetch(tile)
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=client, args=(fetch,)) for fetch in fetchers]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return Phase(samples, [len(samples) / seconds] if seconds and samples else [])


def rounds(tiles: list) -> list:
    """The tile list repeated until it has MIN_REQUESTS requests: a zoom with few tiles would
    otherwise be measured by a handful of samples. Every round fetches each tile once."""
    return tiles * max(1, math.ceil(MIN_REQUESTS / len(tiles)))


class HttpFetcher:
    """One keep-alive HTTP/1.1 connection, as a browser keeps; http.client reconnects by itself
    when the server closes it (gunicorn's sync workers answer one request per connection)."""

    def __init__(self, port: int, collection_id: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.collection_id = collection_id
        self.etags: dict | None = None  # set: conditional requests with these ETags

    def __call__(self, tile) -> Sample:
        z, x, y = tile
        headers = {} if self.etags is None else {"If-None-Match": self.etags[tile]}
        started = time.perf_counter()
        self.connection.request(
            "GET", f"/tiles/{self.collection_id}/{z}/{x}/{y}.mvt", headers=headers
        )
        response = self.connection.getresponse()
        body = response.read()
        ms = (time.perf_counter() - started) * 1000
        return Sample(tile, response.status, ms, len(body), response.getheader("ETag") or "")

    def close(self):
        self.connection.close()


class SqlFetcher:
    """The endpoint's own statement (layers.tiles.tile_query) on a connection of its own."""

    def __init__(self, source):
        self.connection = psycopg2.connect(**connection.get_connection_params())
        self.connection.autocommit = True
        self.source = source

    def __call__(self, tile) -> Sample:
        sql, params = tile_query(self.source, *tile)
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        data = bytes(row[0]) if row and row[0] is not None else b""
        ms = (time.perf_counter() - started) * 1000
        return Sample(tile, 200 if data else 204, ms, len(data))

    def close(self):
        self.connection.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    """gunicorn as `make run` starts it (gunicorn.conf.py: threaded workers, access log), on a
    loopback port. Its log goes to a file: a pipe nobody reads would block the workers."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open while gunicorn writes to it)
    server = subprocess.Popen(
        [str(REPO / ".venv/bin/gunicorn"), "planportal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(WORKERS), "--access-logfile", "-"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited: {log.read().decode(errors='replace')}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                probe.close()
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- the report --------------------------------------------------------------------------------


def paired_single(tiles: list, http_client: "HttpFetcher", sql_client: "SqlFetcher") -> list:
    """One client: each tile through the endpoint right after the same tile as raw SQL, so
    both see the same load on the machine; the per-tile differences of (endpoint - raw) ms."""
    differences = []
    for tile in tiles:
        if time.monotonic() > RUN_DEADLINE:
            break
        raw_ms = sql_client(tile).ms
        differences.append(http_client(tile).ms - raw_ms)
    return differences


def paired_overhead(endpoint: Phase, raw: Phase) -> float:
    """Median over tiles of (endpoint ms - raw SQL ms), each the tile's median over rounds."""

    def by_tile(phase: Phase) -> dict:
        times: dict[tuple, list[float]] = {}
        for sample in phase.samples:
            times.setdefault(sample.tile, []).append(sample.ms)
        return {tile: statistics.median(ms) for tile, ms in times.items()}

    raw_ms = by_tile(raw)
    return median([ms - raw_ms[tile] for tile, ms in by_tile(endpoint).items() if tile in raw_ms])


def wall_ms_per_tile(phase: Phase) -> float:
    return 1000 / phase.rate if phase.rate else math.nan


def median(values: list[float]) -> float:
    """NaN when a run out of time left nothing to compare."""
    return statistics.median(values) if values else math.nan


def row(label: str, phase: Phase, statuses: str) -> str:
    return (
        f"    {label:<22}{phase.rate:>9.1f}{phase.percentile(0.5):>9.1f}"
        f"{phase.percentile(0.95):>9.1f}{phase.mean_bytes:>12.0f}   {statuses}"
    )


def status_counts(phase: Phase) -> str:
    counts: dict[int, int] = {}
    for sample in phase.samples:
        counts[sample.status] = counts.get(sample.status, 0) + 1
    return " ".join(f"{status}x{count}" for status, count in sorted(counts.items()))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    layers = Layer.objects.public().select_related("published_revision")
    layer = layers.filter(collection_id=FARMLAND_ID).first()
    if layer is None:
        sys.exit(f"{FARMLAND_ID} is not published here: run manage.py load_demo_plan first.")
    server = None
    sql_clients: list[SqlFetcher] = []
    http_clients: list[HttpFetcher] = []
    try:
        source = tile_source(layer.collection_id)
        tiles = tile_set(layer)
        revision = layer.published_revision
        print(
            f"layer {layer.collection_id} r{revision.number}: {revision.feature_count} "
            f"features, min_zoom {layer.min_zoom}; gunicorn {WORKERS} threaded workers, "
            f"{CLIENTS} keep-alive clients, {os.cpu_count()} CPUs, loopback; small tile sets "
            f"are fetched in rounds up to {MIN_REQUESTS} requests"
        )
        every_tile = [tile for zoom in tiles.values() for tile in zoom]
        # Warm up, unmeasured: PostgreSQL's buffers, each connection's PostGIS (loaded on its
        # first call), the gunicorn workers' imports and database connections.
        sql_clients = [SqlFetcher(source) for _ in range(CLIENTS)]
        run_concurrently(every_tile, sql_clients)
        port = free_port()
        server = start_gunicorn(port)
        http_clients = [HttpFetcher(port, layer.collection_id) for _ in range(CLIENTS)]
        run_concurrently(every_tile, http_clients)

        print(f"\n  z  tiles  {'mode':<22}  tiles/s   p50 ms   p95 ms  mean bytes   statuses")
        overheads, single, saturated, speedups = {}, {}, {}, {}
        for z, zoom_tiles in tiles.items():
            requests = rounds(zoom_tiles)
            # Alternating the modes REPEATS times spreads a burst of load from elsewhere on
            # the machine over all three instead of skewing one.
            cold, cached, raw = Phase([], []), Phase([], []), Phase([], [])
            for _ in range(REPEATS):
                for client in http_clients:
                    client.etags = None
                cold_run = run_concurrently(requests, http_clients)
                etags = {s.tile: s.etag for s in cold_run.samples}
                for client in http_clients:
                    client.etags = etags
                known = [tile for tile in requests if tile in etags]
                cached += run_concurrently(known, http_clients)
                raw += run_concurrently(requests, sql_clients)
                cold += cold_run
            print(f"{z:>3}{len(zoom_tiles):>7}")
            print(row("endpoint cold", cold, status_counts(cold)))
            print(row("endpoint cached (304)", cached, status_counts(cached)))
            print(row("raw SQL", raw, status_counts(raw)))
            if z < layer.min_zoom:
                print(f"    (below min_zoom {layer.min_zoom}: the endpoint answers 204 unqueried)")
                continue
            overheads[z] = paired_overhead(cold, raw)
            saturated[z] = wall_ms_per_tile(cold) - wall_ms_per_tile(raw)
            for client in http_clients:
                client.etags = None
            single[z] = paired_single(requests, http_clients[0], sql_clients[0])
            if z in ZOOMS_SAMPLED:
                speedups[z] = cached.rate / cold.rate if cold.rate else math.nan

        print("\nendpoint overhead over raw SQL per tile, cold, ms: median of the per-tile")
        print("differences with 1 client (endpoint right after raw SQL, tile by tile), and")
        print(f"with {CLIENTS} clients (includes waiting for one of the {WORKERS} workers):")
        for z in single:
            print(
                f"  z{z}: {median(single[z]):6.2f} with 1 client   "
                f"{overheads[z]:7.2f} with {CLIENTS} clients (paired)   "
                f"{saturated[z]:6.2f} from tiles/s with {CLIENTS} clients"
            )
        pooled = median([d for differences in single.values() for d in differences])
        print(
            f"goal: overhead <= {OVERHEAD_GOAL_MS:g} ms per tile (median, cold, 1 client, "
            f"z{min(single, default='-')}-{max(single, default='-')}): {pooled:.2f} ms: "
            f"{verdict(pooled <= OVERHEAD_GOAL_MS)}"
        )
        print(f"cached (If-None-Match -> 304) vs cold, tiles/s with {CLIENTS} clients:")
        for z, speedup in speedups.items():
            print(f"  z{z}: {speedup:.1f}x")
        lowest = min(speedups.values(), default=math.nan)
        print(
            f"goal: cached >= {CACHED_SPEEDUP_GOAL:g}x faster than cold at z14-16, lowest "
            f"{lowest:.1f}x: {verdict(lowest >= CACHED_SPEEDUP_GOAL)}"
        )
    finally:
        for client in [*sql_clients, *http_clients]:
            client.close()
        if server is not None:
            stop(server)


if __name__ == "__main__":
    main()
