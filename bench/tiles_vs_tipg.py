"""Vector tiles side by side with tipg, on 50,000 and 200,000 synthetic parcels, in one run.

    .venv/bin/python bench/tiles_vs_tipg.py [--tipg /tmp/tipgvenv] [--sizes 50000,200000]
        [--repeats 3] [--variants]

What the audit (shared/audits/2026-12/perf.md §3) measured, made repeatable: both parcel sets
(bench/_parcels.py) are published as scratch tiles-only layers of the demo plan AT THE SAME TIME
(so each layer's tiles are served while another large layer shares the tables) and baked as a
publish bakes them (layers/tiles/bake.py); tipg 1.6 (ONE uvicorn worker, asyncpg, from a venv
of its own, never in requirements.txt: `make bench` makes it in .make/tipg-venv from
bench/tipg-requirements.txt) serves the same parcels from plain tables in EPSG:4326 with the
same six attributes, as ogr2ogr loads them. Without tipg the portal is compared with the raw SQL
of the shared feature table (the statement before baking) and the script says so.

Tile sets per size: every tile over the parcels at z10 and z12, every tile holding a parcel at
z14, a seeded sample of 100 at z16. Load: ``wrk`` (8 keep-alive connections, one thread)
against the portal (gunicorn as `make run` starts it) and tipg, alternating pass by pass,
REPEATS passes of PHASE_SECONDS per zoom; a ratio is the median of the per-pass ratios.
``--variants`` adds what each choice in the tile statement is worth (sql_variants), which
`make bench` leaves out to keep the whole run within its 30 minutes.

Then, for the portal, every tile of each set is decoded (mapbox-vector-tile) and checked:
- no parcel missing: at a parcel zoom each parcel that intersects the tile is in it (by id);
  at an overview zoom (baked groups) the distinct groups of the zoom's tiles count every parcel
  once (sum of ``count`` == parcels) and each group covers its parcels (checked in the tests);
- no tile over 500 KB at any zoom, the whole pyramid z0-z16 over the data.

Everything the script made (layers, tables, servers) goes at the end, also on failure.
"""

import argparse
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

import django  # noqa: E402

django.setup()

import mapbox_vector_tile  # noqa: E402
import psycopg  # noqa: E402
import tiles as tile_bench  # noqa: E402
from _database import vacuum  # noqa: E402
from _parcels import ATTRIBUTES, SCHEMA, generate  # noqa: E402
from _server import free_port, serve_environment, start_gunicorn, stop  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from tiles import WRK_SCRIPT, Run  # noqa: E402

from layers.models import Feature, Layer, LayerRevision, PublicPolicy, RevisionStatus  # noqa: E402
from layers.tiles.bake import TILE_BYTES_BUDGET, bake_revision  # noqa: E402
from layers.tiles.lookup import tile_source  # noqa: E402
from layers.tiles.overview import COUNT_FIELD  # noqa: E402
from layers.tiles.sql import tile_query  # noqa: E402
from planportal.db import select_last_result  # noqa: E402

PREFIX = "bench-tipg-"
TABLE_PREFIX = "bench_tipg_"
ZOOMS = (10, 12, 14, 16)
Z16_SAMPLE = 100
SEED = 20261206
CLIENTS = 8
PHASE_SECONDS = 3
REPEATS = 5
GOALS = {10: 1.0, 12: 1.0, 14: 1.3, 16: 1.3}
WORLD = 40075016.68


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def owner_connection() -> psycopg.Connection:
    """The tables tipg reads are made by the database's owner: the application's role may not
    create tables (planportal/db_roles.py)."""
    database = {**connection.settings_dict, **(settings.DATABASE_OWNER or {})}
    return psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"],
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    )


# -- the data ----------------------------------------------------------------------------------


def make_layer(owner, n: int) -> Layer:
    """The parcels in a plain table (tipg's) and in a published tiles-only scratch layer,
    published by a plain update (no audit event for a scratch layer), then baked."""
    table = f"{TABLE_PREFIX}{n}"
    with owner.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        with owner.transaction():
            made = generate(cursor, table, n)
            application = connection.settings_dict["USER"]
            cursor.execute(f'GRANT SELECT ON {table} TO "{application}"')
    farmland = Layer.objects.get(collection_id="yangquanqu-yjjbnt")
    layer = Layer.objects.create(
        plan=farmland.plan, chapter=farmland.chapter, section=farmland.section,
        collection_id=f"{PREFIX}{n}", title=f"永久基本农田 (bench {n})",
        geometry_type=farmland.geometry_type, attribute_schema=SCHEMA, key_field="BSM",
        category_field="DLBM", public_policy=PublicPolicy.TILES_ONLY, min_zoom=0,
        is_demo=True, data_status=farmland.data_status, source_note="bench",
        publication_note="bench/tiles_vs_tipg.py scratch layer",
    )  # fmt: skip
    revision = LayerRevision.objects.create(
        layer=layer, number=1, status=RevisionStatus.READY, feature_count=made
    )
    pairs = ", ".join(f"'{name}', p.\"{name}\"" for name in ATTRIBUTES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO layers_feature (revision_id, geom, properties, category, name) "  # noqa: S608
            f"SELECT %s, p.geom, jsonb_build_object({pairs}), p.\"DLBM\", '' "
            f"FROM {table} p ORDER BY p.fid",
            [revision.pk],
        )
        cursor.execute(
            "UPDATE layers_layerrevision SET extent = (SELECT ST_Envelope(ST_Extent(geom))"
            " FROM layers_feature WHERE revision_id = %s) WHERE id = %s",
            [revision.pk, revision.pk],
        )
    Layer.objects.filter(pk=layer.pk).update(published_revision=revision)
    return Layer.objects.select_related("published_revision").get(pk=layer.pk)


def remove_everything(owner) -> None:
    copies = Layer.objects.filter(collection_id__startswith=PREFIX)
    copies.update(published_revision=None)
    copies.delete()
    with owner.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename LIKE 'bench\\_tipg\\_%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def tile_of(x: float, y: float, z: int) -> tuple[int, int]:
    width = WORLD / 2**z
    return int((x + WORLD / 2) // width), int((WORLD / 2 - y) // width)


def tile_sets(layer: Layer) -> dict[int, list[tuple[int, int, int]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom_3857) AS p"
            " FROM layers_feature WHERE revision_id = %s) AS points",
            [layer.published_revision_id],
        )
        points = cursor.fetchall()
    sets = {}
    for z in ZOOMS:
        with_data = sorted({(z, *tile_of(x, y, z)) for x, y in points})
        if z == 16:
            with_data = sorted(random.Random(SEED).sample(with_data, Z16_SAMPLE))
        sets[z] = with_data
    return sets


# -- load ----------------------------------------------------------------------------------------


def wrk(folder: Path, base: str, paths: list[str]) -> Run:
    listing = folder / "paths.txt"
    listing.write_text("".join(f"{path} -\n" for path in paths))
    command = ["wrk", "-t1", f"-c{CLIENTS}", f"-d{PHASE_SECONDS}s", "--timeout", "30s"]
    command += ["-s", str(folder / "tiles.lua"), base, "--", str(listing), "cold"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, micros, p50, p95, size, errors = (int(v) for v in line.split()[1:7])
    statuses = dict(map(int, part.split(":")) for part in line.split()[7].split(",") if part)
    if errors:
        raise RuntimeError(f"wrk saw {errors} socket errors: {output}")
    return Run(requests, micros / 1e6, p50 / 1000, p95 / 1000, size, statuses)


class RawSql:
    """The pre-bake statement on the shared feature table, CLIENTS threads: the floor to beat
    when tipg is not installed."""

    def __init__(self, layer: Layer):
        self.source = tile_source(layer.collection_id)

    def run(self, tiles: list) -> Run:
        from tiles import SqlFetcher, run_concurrently

        plain = type(self.source)(
            self.source.collection_id, self.source.revision_id, self.source.min_zoom,
            self.source.geometry_type, self.source.attribute_names, self.source.data_mark,
        )  # fmt: skip
        fetchers = [SqlFetcher(plain) for _ in range(CLIENTS)]
        try:
            return run_concurrently(tiles, fetchers, PHASE_SECONDS)
        finally:
            for fetcher in fetchers:
                fetcher.close()


def start_tipg(venv: Path, tables: list[str], port: int) -> subprocess.Popen:
    owner = {**connection.settings_dict, **(settings.DATABASE_OWNER or {})}
    url = (
        f"postgresql://{owner['USER']}:{owner['PASSWORD']}@{owner['HOST'] or '127.0.0.1'}:"
        f"{owner['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TIPG_DB_TABLES": "[" + ",".join(f'"public.{t}"' for t in tables) + "]",
        "TIPG_DB_SPATIAL_EXTENT": "false",
        "TIPG_DB_DATETIME_EXTENT": "false",
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open while tipg writes to it)
    server = subprocess.Popen(
        [str(venv / "bin/uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--log-level", "warning"],
        env=env, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/collections", timeout=2).read()
            return server
        except OSError:
            if server.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"tipg exited: {log.read().decode(errors='replace')}") from None
            time.sleep(0.5)
    stop(server)
    raise RuntimeError("tipg did not answer within 60 s")


# -- completeness and size ---------------------------------------------------------------------


def fetch(port: int, path: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as response:
        return response.status, response.read()


def check_portal(port: int, layer: Layer, sets: dict) -> list[str]:
    """What the portal's tiles say against the database: lines for the report. Every tile over
    the data from z0 to z15, and the z16 sample."""
    source = tile_source(layer.collection_id)
    revision = layer.published_revision
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
            "ST_Extent(geom_3857) AS e FROM layers_feature WHERE revision_id = %s) AS x",
            [revision.pk],
        )
        xmin, ymin, xmax, ymax = cursor.fetchone()
    lines, largest = [], (0, ())
    for z in range(0, 17):
        x0, y0 = tile_of(xmin, ymax, z)
        x1, y1 = tile_of(xmax, ymin, z)
        every = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        counts, missing, checked = {}, 0, 0
        for tile in every if z <= 15 else sets.get(z, []):
            status, body = fetch(port, f"/tiles/{layer.collection_id}/{z}/{tile[1]}/{tile[2]}.mvt")
            largest = max(largest, (len(body), tile))
            if status == 204:
                continue
            features = mapbox_vector_tile.decode(body)[layer.collection_id]["features"]
            if source.is_baked(z):
                counts.update((f["id"], f["properties"][COUNT_FIELD]) for f in features)
            elif z in ZOOMS:
                missing += len(intersecting(revision.pk, tile) - {f["id"] for f in features})
                checked += 1
        if source.is_baked(z):
            total = sum(counts.values())
            lines.append(
                f"  z{z}: overview, {len(counts)} groups, their counts add up to {total} of "
                f"{revision.feature_count} parcels: {verdict(total == revision.feature_count)}"
            )
        elif z in ZOOMS and z >= source.effective_min_zoom:
            lines.append(
                f"  z{z}: parcels, {checked} tiles, parcels missing {missing}: "
                f"{verdict(missing == 0)}"
            )
    size, tile = largest
    lines.append(
        f"  largest tile (z0-z15, z16 sample): {size:,} bytes at {tile}, budget "
        f"{TILE_BYTES_BUDGET:,}: {verdict(size <= TILE_BYTES_BUDGET)}"
    )
    if source.effective_min_zoom:
        lines.append(f"  below z{source.effective_min_zoom}: 204 (TileJSON minzoom)")
    return lines


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def intersecting(revision_id: int, tile) -> set[int]:
    """The parcels that intersect the tile itself (a parcel only in the buffer margin may or may
    not be drawn, so it is not asked for)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM layers_feature WHERE revision_id = %s"
            " AND ST_Intersects(geom_3857, ST_TileEnvelope(%s, %s, %s))",
            [revision_id, *tile],
        )
        return {row[0] for row in cursor.fetchall()}


class VariantSql:
    """One tile statement on a connection of its own, for the SQL variants below."""

    def __init__(self, statement):
        self.connection = psycopg.connect(**connection.get_connection_params())
        self.connection.autocommit = True
        self.statement = statement

    def __call__(self, tile):
        from tiles import Sample

        sql, params = self.statement(*tile)
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            select_last_result(cursor)
            row = cursor.fetchone()
        size = len(row[0]) if row and row[0] is not None else 0
        return Sample(tile, 200 if size else 204, (time.perf_counter() - started) * 1000, size)

    def close(self):
        self.connection.close()


def sql_variants(layer: Layer, sets: dict, repeats: int) -> None:
    """What each choice in the tile statement is worth, at z14 and z16 with CLIENTS
    connections, alternating: the statement before (shared feature table, jsonb attributes built
    per row, parallel plans allowed), the same without parallel plans, and the bake's tile rows.
    Then the plan of each for one z16 tile, while the other large layer is in the same tables."""
    from tiles import run_concurrently

    source = tile_source(layer.collection_id)
    plain = replace(source, bake_id=None, rows=False, detail_zoom=0, bake_min_zoom=0)
    parallel = "SET LOCAL max_parallel_workers_per_gather = 0;"

    def before(z, x, y):
        sql, params = tile_query(plain, z, x, y)
        return sql.replace(parallel, ""), params

    variants = {
        "before": before,
        "no parallel": lambda z, x, y: tile_query(plain, z, x, y),
        "tile rows": lambda z, x, y: tile_query(source, z, x, y),
    }
    print("  SQL variants, tiles/s with 8 connections (ratio to 'before'):")
    for z in (14, 16):
        rates = {name: [] for name in variants}
        for _ in range(repeats):
            for name, statement in variants.items():
                fetchers = [VariantSql(statement) for _ in range(CLIENTS)]
                try:
                    rates[name].append(run_concurrently(sets[z], fetchers, PHASE_SECONDS).rate)
                finally:
                    for fetcher in fetchers:
                        fetcher.close()
        base = statistics.median(rates["before"])
        cells = ", ".join(
            f"{name} {statistics.median(r):.1f} ({statistics.median(r) / base:.2f}x)"
            for name, r in rates.items()
        )
        print(f"    z{z}: {cells}")
    z, x, y = sets[16][0]
    for name in ("before", "tile rows"):
        sql, params = variants[name](z, x, y)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (COSTS OFF) {sql.split(';')[-1]}", params)
            scans = [r[0].strip() for r in cursor.fetchall() if "Scan" in r[0] or "Index" in r[0]]
        print(f"  plan, {name}: {' / '.join(scans)}")


def median(runs: list[Run], what: str) -> float:
    return statistics.median(getattr(run, what) for run in runs)


# -- the run -----------------------------------------------------------------------------------


def compare(folder: Path, layer: Layer, n: int, ports: dict, has_tipg: bool, repeats: int) -> dict:
    """Portal against tipg (or the raw SQL) per zoom, alternating; prints a row per zoom and
    returns the tile sets."""
    sets = tile_sets(layer)
    raw = RawSql(layer)
    fields = ",".join(("fid", *ATTRIBUTES))
    base, tipg_base = (f"http://127.0.0.1:{ports[name]}" for name in ("portal", "tipg"))
    print(f"\n{n:,} parcels, {CLIENTS} clients, {repeats} alternating passes of {PHASE_SECONDS} s")
    print(
        "   z  tiles  portal t/s  other t/s  ratio (passes)          goal"
        "     p50/p95 ms portal, other"
    )
    for z, tiles in sets.items():
        portal_paths = [f"/tiles/{layer.collection_id}/{z}/{x}/{y}.mvt" for z, x, y in tiles]
        collection = f"/collections/public.{TABLE_PREFIX}{n}/tiles/WebMercatorQuad"
        tipg_paths = [f"{collection}/{z}/{x}/{y}?properties={fields}" for z, x, y in tiles]
        wrk(folder, base, portal_paths)  # warm-up, unmeasured
        if has_tipg:
            wrk(folder, tipg_base, tipg_paths)
        portal_runs, other_runs = [], []
        for repeat in range(repeats):
            for which in ("portal", "other") if repeat % 2 == 0 else ("other", "portal"):
                if which == "portal":
                    portal_runs.append(wrk(folder, base, portal_paths))
                elif has_tipg:
                    other_runs.append(wrk(folder, tipg_base, tipg_paths))
                else:
                    other_runs.append(raw.run(tiles))
        pairs = zip(portal_runs, other_runs, strict=True)
        ratios = [p.rate / o.rate for p, o in pairs if o.rate]
        ratio = statistics.median(ratios) if ratios else math.nan
        print(
            f"  {z:>2} {len(tiles):>6} {median(portal_runs, 'rate'):>11.1f}"
            f" {median(other_runs, 'rate'):>10.1f}  {ratio:5.2f}x"
            f" ({min(ratios):.2f}-{max(ratios):.2f})   >= {GOALS[z]:g}x"
            f" {'PASS' if ratio >= GOALS[z] else 'MISS'}"
            f"  {median(portal_runs, 'p50_ms'):.0f}/{median(portal_runs, 'p95_ms'):.0f},"
            f" {median(other_runs, 'p50_ms'):.0f}/{median(other_runs, 'p95_ms'):.0f}"
            f"  load {load()}"
        )
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    tipg = Path(os.environ.get("TIPG_VENV", "/tmp/tipgvenv"))
    parser.add_argument("--tipg", type=Path, default=tipg, help="a venv with tipg and uvicorn")
    parser.add_argument("--sizes", default="50000,200000")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--variants", action="store_true", help="also the SQL variants")
    args = parser.parse_args()
    tile_bench.RUN_DEADLINE = math.inf  # tiles.py's own 600 s bound is for its own run
    sizes = [int(size) for size in args.sizes.split(",")]
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (Debian package wrk; make bench installs it).")
    has_tipg = (args.tipg / "bin/uvicorn").exists()
    owner = owner_connection()
    servers = []
    folder = tempfile.TemporaryDirectory(prefix="tilevstipg-")
    (Path(folder.name) / "tiles.lua").write_text(WRK_SCRIPT)
    try:
        remove_everything(owner)
        print(f"load average at the start: {load()}; {os.cpu_count()} CPUs")
        layers = {}
        for n in sizes:
            started = time.perf_counter()
            layers[n] = make_layer(owner, n)
            made = time.perf_counter() - started
            started = time.perf_counter()
            bake = bake_revision(layers[n].published_revision_id)
            baked = time.perf_counter() - started
            print(
                f"{n:,} parcels: made in {made:.1f} s, baked in {baked:.1f} s: no tile below "
                f"z{bake.min_zoom}, overview tiles z{bake.min_zoom}-{bake.detail_zoom - 1} "
                f"({bake.tiles.count()}), parcels from z{bake.detail_zoom}"
            )
        vacuum(Feature, Layer)
        ports = {"portal": free_port(), "tipg": free_port()}
        servers.append(start_gunicorn(ports["portal"], env=serve_environment()))
        if has_tipg:
            tables = [f"{TABLE_PREFIX}{n}" for n in sizes]
            servers.append(start_tipg(args.tipg, tables, ports["tipg"]))
        else:
            print(f"no tipg in {args.tipg}: the other side is the raw SQL of the shared table")
        for n in sizes:
            sets = compare(Path(folder.name), layers[n], n, ports, has_tipg, args.repeats)
            if args.variants:
                sql_variants(layers[n], sets, args.repeats)
            print(f"completeness and size ({n:,} parcels):")
            for line in check_portal(ports["portal"], layers[n], sets):
                print(line)
        other = "tipg 1.6.1 (1 worker)" if has_tipg else "raw SQL on the shared feature table"
        print(f"\nother = {other}; load average at the end: {load()}")
    finally:
        for server in servers:
            stop(server)
        folder.cleanup()
        remove_everything(owner)
        vacuum(Feature, Layer)
        owner.close()


if __name__ == "__main__":
    main()
