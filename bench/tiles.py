"""Vector tile benchmark: the tile endpoint on gunicorn against the same SQL run directly.

Run after ``make run`` has loaded the demo plan (``make bench`` does): ``.venv/bin/python
bench/tiles.py``. It measures the parcels of the demo farmland layer ``yangquanqu-yjjbnt``
(about 3000) of the local database, served as a plain tiles-only layer: the demo serves that
layer generalised (no tile above z13, bench/generalised_tiles.py), so the parcels are copied
into a scratch tiles-only layer for the run and removed afterwards. See bench/README.md for
what is measured and why.

HTTP load comes from ``wrk`` (Debian package ``wrk``) when it is installed: one event-loop
thread driving 8 keep-alive connections takes a tenth of a core, where 8 Python client threads
took most of one of the machine's two. Without it, the Python client below does the same.
"""

import http.client
import math
import os
import random
import re
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
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

from layers.models import (  # noqa: E402
    Feature,
    Layer,
    LayerRevision,
    PublicPolicy,
    RevisionStatus,
)
from layers.tiles.lookup import tile_source  # noqa: E402
from layers.tiles.sql import tile_query  # noqa: E402
from planportal.db import select_last_result  # noqa: E402

FARMLAND_ID = "yangquanqu-yjjbnt"
ZOOMS_ALL_TILES = (10, 12)
ZOOMS_SAMPLED = (14, 16)
SAMPLE_SIZE = 200
SEED = 20231101
CLIENTS = 8
PHASE_SECONDS = 2  # each cold or cached phase cycles through its zoom's tiles this long
REPEATS = 5  # cold, cached and raw alternate this often; tiles/s is the median of the repeats
MIN_REQUESTS = 100  # a raw SQL phase fetches its tiles in rounds up to this many requests
TOTAL_SECONDS = 600  # every phase stops once the whole run has taken this long
OVERHEAD_GOAL_MS = 5.0
CACHED_SPEEDUP_GOAL = 5.0
SERVER_NAME = f"tilebench-{os.getpid()}"  # the server's application_name in PostgreSQL
RUN_DEADLINE = time.monotonic() + TOTAL_SECONDS


@dataclass
class Sample:
    tile: tuple[int, int, int]
    status: int
    ms: float
    size: int
    etag: str = ""


@dataclass
class Run:
    """One phase: requests answered in so many seconds, and what the server spent on them."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    body_bytes: int
    statuses: dict[int, int]
    samples: list[Sample] = field(default_factory=list, repr=False)  # Python clients only
    server_cpu: float = math.nan  # CPU seconds of the gunicorn workers
    database_cpu: float = math.nan  # CPU seconds of the server's PostgreSQL backends

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds and self.requests else 0.0

    @classmethod
    def of_samples(cls, samples: list[Sample], seconds: float) -> "Run":
        times = sorted(s.ms for s in samples)
        statuses: dict[int, int] = {}
        for sample in samples:
            statuses[sample.status] = statuses.get(sample.status, 0) + 1
        return cls(
            len(samples), seconds, percentile(times, 0.5), percentile(times, 0.95),
            sum(s.size for s in samples), statuses, samples,
        )  # fmt: skip


@dataclass
class Phase:
    """The repeats of one mode at one zoom."""

    runs: list[Run] = field(default_factory=list)

    def median(self, value) -> float:
        values = [value(run) for run in self.runs if run.requests]
        return statistics.median(values) if values else math.nan

    @property
    def rate(self) -> float:
        return self.median(lambda run: run.rate)

    def cpu_ms_per_tile(self, which: str) -> float:
        return self.median(lambda run: getattr(run, which) / run.requests * 1000)

    def statuses(self) -> str:
        counts: dict[int, int] = {}
        for run in self.runs:
            for status, count in run.statuses.items():
                counts[status] = counts.get(status, 0) + count
        return " ".join(f"{status}x{count}" for status, count in sorted(counts.items()))


def percentile(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, math.ceil(q * len(times)) - 1)] if times else math.nan


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


SCRATCH_PREFIX = "bench-tiles-"


def plain_copy(farmland: Layer) -> Layer:
    """The farmland's parcels in a published tiles-only scratch layer with the same settings
    (published by a plain update: a scratch layer leaves no event in the append-only audit
    trail). Left-overs of an interrupted run are removed first."""
    remove_copies()
    copy = Layer.objects.create(
        plan=farmland.plan,
        chapter=farmland.chapter,
        section=farmland.section,
        collection_id=f"{SCRATCH_PREFIX}{os.getpid()}",
        code="",
        title=f"{farmland.title} (bench)",
        geometry_type=farmland.geometry_type,
        style=farmland.style,
        attribute_schema=farmland.attribute_schema,
        key_field=farmland.key_field,
        name_field=farmland.name_field,
        category_field=farmland.category_field,
        public_policy=PublicPolicy.TILES_ONLY,
        min_zoom=farmland.min_zoom,
        is_demo=True,
        data_status=farmland.data_status,
        source_note=farmland.source_note,
        publication_note="bench/tiles.py scratch layer",
    )
    source = farmland.published_revision
    revision = LayerRevision.objects.create(
        layer=copy,
        number=1,
        status=RevisionStatus.READY,
        feature_count=source.feature_count,
        extent=source.extent,
    )
    table = connection.ops.quote_name(Feature._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (revision_id, geom, properties, category, name) "  # noqa: S608
            f"SELECT %s, geom, properties, category, name FROM {table} WHERE revision_id = %s "
            "ORDER BY id",
            [revision.pk, source.pk],
        )
    Layer.objects.filter(pk=copy.pk).update(published_revision=revision)
    return Layer.objects.select_related("published_revision").get(pk=copy.pk)


def remove_copies() -> None:
    copies = Layer.objects.filter(collection_id__startswith=SCRATCH_PREFIX)
    copies.update(published_revision=None)
    copies.delete()


def tile_path(collection_id: str, tile: tuple[int, int, int]) -> str:
    z, x, y = tile
    return f"/tiles/{collection_id}/{z}/{x}/{y}.mvt"


# -- the Python clients ------------------------------------------------------------------------


def run_concurrently(tiles: list, fetchers: list, seconds: float | None = None) -> Run:
    """Each client (one per fetcher, each in its own thread) takes the next tile: each tile
    once, or round after round for ``seconds``. The clock starts when every thread is ready."""
    position = 0
    lock = threading.Lock()
    samples: list[Sample] = []
    ready = threading.Barrier(len(fetchers) + 1)
    deadline = RUN_DEADLINE

    def client(fetch):
        nonlocal position
        ready.wait()
        while time.monotonic() < deadline:
            with lock:
                if seconds is None and position >= len(tiles):
                    return
                tile = tiles[position % len(tiles)]
                position += 1
            sample = fetch(tile)
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=client, args=(fetch,)) for fetch in fetchers]
    for thread in threads:
        thread.start()
    if seconds is not None:
        deadline = min(time.monotonic() + seconds, RUN_DEADLINE)
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return Run.of_samples(samples, time.perf_counter() - started)


class HttpFetcher:
    """One keep-alive HTTP/1.1 connection, as a browser keeps."""

    def __init__(self, port: int, collection_id: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.collection_id = collection_id
        self.etags: dict | None = None  # set: conditional requests with these ETags

    def __call__(self, tile) -> Sample:
        headers = {} if self.etags is None else {"If-None-Match": self.etags[tile]}
        try:
            return self.fetch(tile, headers)
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closed the connection after its keep-alive timeout (5 s, while wrk
            # ran): a browser opens a new one and sends the request again, so does this.
            self.connection.close()
            return self.fetch(tile, headers)

    def fetch(self, tile, headers: dict) -> Sample:
        started = time.perf_counter()
        self.connection.request("GET", tile_path(self.collection_id, tile), headers=headers)
        response = self.connection.getresponse()
        body = response.read()
        ms = (time.perf_counter() - started) * 1000
        return Sample(tile, response.status, ms, len(body), response.getheader("ETag") or "")

    def close(self):
        self.connection.close()


class SqlFetcher:
    """The endpoint's own statement (layers.tiles.sql.tile_query) on a connection of its own."""

    def __init__(self, source):
        # Django's own connection parameters: its psycopg 3 cursor class and adapters.
        self.connection = psycopg.connect(**connection.get_connection_params())
        self.connection.autocommit = True
        self.source = source

    def __call__(self, tile) -> Sample:
        sql, params = tile_query(self.source, *tile)
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            select_last_result(cursor)  # the SELECT after SET LOCAL
            row = cursor.fetchone()
        data = bytes(row[0]) if row and row[0] is not None else b""
        ms = (time.perf_counter() - started) * 1000
        return Sample(tile, 200 if data else 204, ms, len(data))

    def close(self):
        self.connection.close()


# -- wrk ---------------------------------------------------------------------------------------

# One wrk thread cycles through a file of "path etag" lines; "cached" sends each tile's ETag.
# The last line of its output carries the counts the report needs.
WRK_SCRIPT = """
paths, etags, statuses, body_bytes, next_tile, cached = {}, {}, {}, 0, 0, false
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  for line in io.lines(args[1]) do
    local path, etag = line:match("^(%S+) (%S+)$")
    paths[#paths + 1], etags[#etags + 1] = path, etag
  end
  cached = args[2] == "cached"
end
function request()
  next_tile = next_tile % #paths + 1
  local headers = {}
  if cached then headers["If-None-Match"] = etags[next_tile] end
  return wrk.format("GET", paths[next_tile], headers)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  body_bytes = body_bytes + (body and #body or 0)
end
function done(summary, latency, requests)
  local counts, bytes = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + n end
    bytes = bytes + thread:get("body_bytes")
  end
  local parts = {}
  for status, n in pairs(counts) do parts[#parts + 1] = status .. ":" .. n end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %s\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), bytes,
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
"""


class WrkClient:
    """``wrk`` with CLIENTS keep-alive connections on one thread, one zoom's tiles per file."""

    def __init__(self, port: int, collection_id: str, folder: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.collection_id = collection_id
        self.folder = folder
        (folder / "tiles.lua").write_text(WRK_SCRIPT)

    def write_tiles(self, z: int, tiles: list, etags: dict) -> None:
        lines = [f"{tile_path(self.collection_id, tile)} {etags[tile]}\n" for tile in tiles]
        (self.folder / f"z{z}.txt").write_text("".join(lines))

    def run(self, z: int, cached: bool, seconds: int) -> Run:
        command = ["wrk", "-t1", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "30s"]
        command += ["-s", str(self.folder / "tiles.lua"), self.url, "--"]
        command += [str(self.folder / f"z{z}.txt"), "cached" if cached else "cold"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        match = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\S*)$", output, re.M)
        if match is None:
            raise RuntimeError(f"unexpected wrk output: {output}")
        requests, micros, p50, p95, size, errors = (int(match[i]) for i in range(1, 7))
        if errors:
            raise RuntimeError(f"wrk saw {errors} socket errors: {output}")
        statuses = dict(map(int, part.split(":")) for part in match[7].split(",") if part)
        return Run(requests, micros / 1e6, p50 / 1000, p95 / 1000, size, statuses)


# -- the server --------------------------------------------------------------------------------


def start_server(port: int) -> subprocess.Popen:
    """gunicorn exactly as `make run` starts it. PGAPPNAME only names its database
    connections, so their CPU time can be read."""
    return start_gunicorn(port, env={**serve_environment(), "PGAPPNAME": SERVER_NAME})


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:  # gone meanwhile
        return None


def server_cpu(server: subprocess.Popen) -> dict[str, dict[int, float]]:
    """CPU seconds so far of the gunicorn workers and of the server's PostgreSQL backends
    (readable when PostgreSQL runs on this machine, as `make run` sets it up)."""
    workers = [int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat")]
    workers = [pid for pid in workers if parent_of(pid) == server.pid]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [SERVER_NAME]
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return {
        "server_cpu": {pid: process_cpu(pid) for pid in workers},
        "database_cpu": {pid: process_cpu(pid) for pid in backends},
    }


def with_cpu(server: subprocess.Popen, measure, *args) -> Run:
    """``measure(*args)``'s Run, with the CPU the server spent meanwhile (a database connection
    that closed during the phase takes its share with it: CONN_MAX_AGE is a minute)."""
    before = server_cpu(server)
    run = measure(*args)
    after = server_cpu(server)
    for which, now in after.items():
        spent = sum(cpu - before[which].get(pid, 0.0) for pid, cpu in now.items())
        setattr(run, which, spent)
    return run


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


def median(values: list[float]) -> float:
    """NaN when a run out of time left nothing to compare."""
    return statistics.median(values) if values else math.nan


def row(label: str, phase: Phase) -> str:
    rates = [run.rate for run in phase.runs if run.requests]
    spread = f"{min(rates):.0f}-{max(rates):.0f}" if rates else "-"
    mean_bytes = sum(r.body_bytes for r in phase.runs) / max(1, sum(r.requests for r in phase.runs))
    server, database = (phase.cpu_ms_per_tile(which) for which in ("server_cpu", "database_cpu"))
    return (
        f"    {label:<15}{phase.rate:>8.0f}{spread:>12}{phase.median(lambda r: r.p50_ms):>8.1f}"
        f"{phase.median(lambda r: r.p95_ms):>8.1f}{mean_bytes:>9.0f}"
        f"{number(server, 8)}{number(database, 7)}   {phase.statuses()}"
    )


def number(value: float, width: int) -> str:
    return f"{'-' if math.isnan(value) else f'{value:.2f}':>{width}}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def server_settings() -> str:
    settings = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    workers, kind, threads = (settings[name] for name in ("workers", "worker_class", "threads"))
    log = "access log" if settings["accesslog"] else "no access log"
    return f"gunicorn {workers} {kind} workers x {threads} threads, {log}"


def main() -> None:
    layers = Layer.objects.public().select_related("published_revision", "section", "chapter")
    farmland = layers.filter(collection_id=FARMLAND_ID).first()
    if farmland is None:
        sys.exit(f"{FARMLAND_ID} is not published here: run manage.py load_demo_plan first.")
    layer = plain_copy(farmland)
    # What earlier runs deleted (bench/ingest.py's features) must not slow this one.
    vacuum(Feature, Layer)
    use_wrk = shutil.which("wrk") is not None
    server = None
    sql_clients: list[SqlFetcher] = []
    http_clients: list[HttpFetcher] = []
    folder = tempfile.TemporaryDirectory(prefix="tilebench-")
    try:
        source = tile_source(layer.collection_id)
        tiles = tile_set(layer)
        revision = layer.published_revision
        client = "wrk, 1 thread" if use_wrk else "Python, 8 threads (no wrk installed)"
        print(
            f"layer {layer.collection_id} r{revision.number}: {revision.feature_count} "
            f"features, min_zoom {layer.min_zoom}; {server_settings()} (gunicorn.conf.py); "
            f"{CLIENTS} keep-alive clients ({client}); {os.cpu_count()} CPUs, loopback; "
            f"load average {load()}"
        )
        every_tile = [tile for zoom in tiles.values() for tile in zoom]
        # Warm up, unmeasured: PostgreSQL's buffers, each connection's PostGIS (loaded on its
        # first call), the gunicorn workers' imports and database connections. The cold
        # answers' ETags are what the cached phases send.
        sql_clients = [SqlFetcher(source) for _ in range(CLIENTS)]
        run_concurrently(every_tile, sql_clients)
        port = free_port()
        server = start_server(port)
        http_clients = [HttpFetcher(port, layer.collection_id) for _ in range(CLIENTS)]
        warm = run_concurrently(every_tile, http_clients).samples
        etags = {sample.tile: sample.etag for sample in warm if sample.etag}
        wrk = WrkClient(port, layer.collection_id, Path(folder.name)) if use_wrk else None

        def endpoint(z: int, cached: bool) -> Run:
            if wrk is not None:
                return wrk.run(z, cached, PHASE_SECONDS)
            for fetcher in http_clients:
                fetcher.etags = etags if cached else None
            return run_concurrently(tiles[z], http_clients, PHASE_SECONDS)

        print(
            f"\n  z  tiles  {'mode':<13}tiles/s     (range)  p50 ms  p95 ms  bytes  "
            "srv ms  db ms   statuses"
        )
        single, speedups, pairs = {}, {}, {}
        for z, zoom_tiles in tiles.items():
            if wrk is not None:
                wrk.write_tiles(z, zoom_tiles, etags)
            raw_requests = zoom_tiles * max(1, math.ceil(MIN_REQUESTS / len(zoom_tiles)))
            # Alternating the modes REPEATS times spreads a burst of load from elsewhere on
            # the machine over all three instead of skewing one.
            cold, cached, raw = Phase(), Phase(), Phase()
            for _ in range(REPEATS):
                cold.runs.append(with_cpu(server, endpoint, z, False))
                cached.runs.append(with_cpu(server, endpoint, z, True))
                raw.runs.append(run_concurrently(raw_requests, sql_clients))
            print(f"{z:>3}{len(zoom_tiles):>7}")
            print(row("endpoint cold", cold))
            print(row("cached (304)", cached))
            print(row("raw SQL", raw))
            if z < layer.min_zoom:
                print(f"    (below min_zoom {layer.min_zoom}: the endpoint answers 204 unqueried)")
                continue
            for fetcher in http_clients:
                fetcher.etags = None
            single[z] = paired_single(raw_requests, http_clients[0], sql_clients[0])
            if z in ZOOMS_SAMPLED:
                speedups[z] = cached.rate / cold.rate if cold.rate else math.nan
                pairs[z] = [
                    h.rate / c.rate for c, h in zip(cold.runs, cached.runs, strict=True) if c.rate
                ]

        print("\nendpoint overhead over raw SQL per tile, cold, ms: median of the per-tile")
        print("differences with 1 client (endpoint right after raw SQL, tile by tile):")
        for z in single:
            print(f"  z{z}: {median(single[z]):6.2f}")
        pooled = median([d for differences in single.values() for d in differences])
        print(
            f"goal: overhead <= {OVERHEAD_GOAL_MS:g} ms per tile (median, cold, 1 client, "
            f"z{min(single, default='-')}-{max(single, default='-')}): {pooled:.2f} ms: "
            f"{verdict(pooled <= OVERHEAD_GOAL_MS)}"
        )
        print(f"cached (If-None-Match -> 304) vs cold, median tiles/s with {CLIENTS} clients:")
        for z, speedup in speedups.items():
            each = ", ".join(f"{ratio:.1f}" for ratio in pairs[z])
            print(f"  z{z}: {speedup:.1f}x   (each repeat, cached / the cold phase before: {each})")
        lowest = min(speedups.values(), default=math.nan)
        print(
            f"goal: cached >= {CACHED_SPEEDUP_GOAL:g}x faster than cold at z14-16, lowest "
            f"{lowest:.1f}x: {verdict(lowest >= CACHED_SPEEDUP_GOAL)}"
        )
        print(f"load average at the end: {load()}")
    finally:
        for fetcher in [*sql_clients, *http_clients]:
            fetcher.close()
        if server is not None:
            stop(server)
        folder.cleanup()
        remove_copies()
        vacuum(Feature, Layer)


if __name__ == "__main__":
    main()
