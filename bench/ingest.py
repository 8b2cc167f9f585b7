"""Layer ingest benchmark: the streaming upload pipeline against ``ogr2ogr -f PostgreSQL``.

Run after ``make run`` has migrated the database (``make bench`` does):
``.venv/bin/python bench/ingest.py [--sizes 50000,200000] [--rounds 2]`` (1,000,000 parcels:
``--sizes 1000000 --rounds 1``; bench/province.py measures them in ``make bench``).

- Data: for each size, a GeoPackage of that many parcels in EPSG:4546 (CGCS2000
  Gauss-Krüger, central meridian 111°E, no zone prefix), written in a temporary folder, the
  same bytes for the same size (seeded): a 30 m grid of jittered 16-vertex parcels filling
  rows of a county-sized square (30 km x 30 km, 900 km², around 111.55°E, 37.07°N; a million
  parcels fill it), with BSM (unique 标识码), DLBM (a 2023 land-use code), DLMC (its name),
  ZLDWMC (坐落单位名称) and TBMJ (m²).
- Pipeline: ``layers.ingest.pipeline.ingest_file`` (what the upload worker runs) into a new
  layer of a throwaway plan whose extent is that square (``bench-ingest-<pid>``), in a child
  process of its own, so its peak memory (``ru_maxrss`` of that child, from ``os.wait4``) is
  the pipeline's alone, Django and its imports included. The time is taken inside the child,
  from opening the upload to the committed revision; each round is a brand-new layer, as an
  upload of a new layer is.
- Baseline: ``ogr2ogr -f PostgreSQL PG:... -nln bench_ingest_ogr2ogr -t_srs EPSG:4326
  -lco SPATIAL_INDEX=GIST --config PG_USE_COPY YES -gt 65536`` from the same file into a
  scratch table of the same database, timed from start to exit.
- The two alternate ``--rounds`` times per size (default 2; once from 1M parcels on); the
  medians are compared, and
  the load average is printed with every round. Goals (issue 15): the pipeline at most 1.5x
  ogr2ogr at 200k and 1M, and under 400 MiB peak memory at every size. Prints PASS or MISS
  per goal (a miss does not fail the run; a wrong load does).
- Time: under a minute for the default sizes on the 2-core machine (about 2 under load);
  ``--sizes 1000000`` about 1.5 minutes (the file, then one round of each loader).
- Clean-up: the throwaway plan with its layers, revisions and features, and the scratch table
  are removed at the end, and left-overs of an interrupted run at the start. Nothing is
  published, so the append-only audit trail gets no event.

The machine has two cores shared by Python, PostgreSQL and anything else running: repeat a run
before trusting a difference.
"""

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

import django  # noqa: E402

django.setup()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pyogrio  # noqa: E402
import shapely  # noqa: E402
from _database import vacuum  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import GEOSGeometry  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from pyproj import Transformer  # noqa: E402

from layers.models import Feature, Layer, LayerRevision  # noqa: E402
from planportal.db_roles import as_owner  # noqa: E402
from planportal.models import Plan, PlanVersion  # noqa: E402

SEED = 20231107
BSM_PREFIX = "1411811010"  # 阳泉曲镇's statistics code, then a sequence number
FIRST_BSM = f"{BSM_PREFIX}{1:08d}"
CENTRE_LONLAT = (111.55, 37.07)
COUNTY_METRES = 30_000.0  # the side of the square the parcels fill
PARCEL_METRES = 30.0  # grid spacing: 1000 x 1000 cells
VERTICES = 16
WRITE_CHUNK = 100_000
SCRATCH_PREFIX = "bench-ingest"
SCRATCH_TABLE = "bench_ingest_ogr2ogr"
RATIO_GOAL = 1.5  # at 200k and more
RATIO_GOAL_FROM = 200_000
MEMORY_GOAL_MIB = 400
ONE_ROUND_FROM = 1_000_000
# Common land-use codes of farmland surveys (2023 classification), weighted as in a village.
CODES = ("0101", "0102", "0103", "0201", "0301", "0304", "0401", "0601", "0703", "1001", "1701")
WEIGHTS = (10, 15, 40, 5, 10, 3, 5, 3, 5, 2, 2)
VILLAGES = ("阳泉曲村", "东盘粮村", "西盘粮村", "白壁关村", "南姚村", "前庄村", "后庄村")


# -- the file --------------------------------------------------------------------------------


def county_square() -> tuple[float, float, float, float]:
    """West, south, east, north of the square in EPSG:4546."""
    x0, y0 = Transformer.from_crs(4326, 4546, always_xy=True).transform(*CENTRE_LONLAT)
    half = COUNTY_METRES / 2
    return x0 - half, y0 - half, x0 + half, y0 + half


def parcels(start: int, count: int) -> gpd.GeoDataFrame:
    """Parcels ``start`` .. ``start + count - 1`` of the grid, row by row from the south-west:
    each a star-shaped 16-gon (always valid) inside its 30 m cell, seeded by its number."""
    from layers.ingest import landuse_name

    rng = np.random.default_rng([SEED, start])
    west, south, _, _ = county_square()
    columns = int(COUNTY_METRES // PARCEL_METRES)
    numbers = np.arange(start, start + count)
    row, column = np.divmod(numbers, columns)
    cx = west + (column + 0.5) * PARCEL_METRES
    cy = south + (row + 0.5) * PARCEL_METRES
    angles = 2 * np.pi * (np.arange(VERTICES) + rng.uniform(0.1, 0.9, (count, VERTICES)))
    angles /= VERTICES
    radius = PARCEL_METRES * rng.uniform(0.3, 0.48, (count, VERTICES))
    ring = np.stack([cx[:, None] + radius * np.cos(angles), cy[:, None] + radius * np.sin(angles)])
    ring = np.concatenate([ring, ring[:, :, :1]], axis=2).transpose(1, 2, 0)
    polygons = shapely.polygons(ring)
    codes = rng.choice(CODES, size=count, p=np.array(WEIGHTS) / sum(WEIGHTS))
    return gpd.GeoDataFrame(
        {
            "BSM": [f"{BSM_PREFIX}{n + 1:08d}" for n in numbers],
            "DLBM": codes,
            "DLMC": [landuse_name(code) for code in codes],
            "ZLDWMC": [VILLAGES[n % len(VILLAGES)] for n in row],
            "TBMJ": np.round(shapely.area(polygons), 2),
        },
        geometry=polygons,
        crs=4546,
    )


def write_geopackage(count: int, folder: Path) -> Path:
    """Written in chunks, so the benchmark itself never holds a million parcels."""
    path = folder / f"parcels-{count}.gpkg"
    for start in range(0, count, WRITE_CHUNK):
        chunk = parcels(start, min(WRITE_CHUNK, count - start))
        # GeoPackage 1.2: what Debian's GDAL 3.6 (ogr2ogr's) reads without a warning.
        pyogrio.write_dataframe(
            chunk, path, layer="dltb", append=start > 0, dataset_options={"VERSION": "1.2"}
        )
    return path


def bench_plan(slug: str) -> Plan:
    """A throwaway, unpublished plan whose approximate extent is the county square."""
    west, south, east, north = county_square()
    extent = GEOSGeometry(shapely.box(west, south, east, north).wkt, srid=4546)
    extent.transform(4326)
    return Plan.objects.create(
        name="bench: ingest",
        slug=slug,
        region_code="141181000000",
        region_name="bench",
        organisation="bench",
        period_start=2021,
        period_end=2035,
        extent=extent,
    )


# -- the two loaders -------------------------------------------------------------------------


# Peak memory of a child is its ru_maxrss from os.wait4. Linux carries the high-water mark of
# the process that exec'd over into the new program (and Python starts children by vfork), so
# a child started by this process would report at least this process's own peak (geopandas,
# the generated frame...). Children are therefore started by a small launcher (plain Python
# without site packages, about 10 MiB), whose own peak is the floor of every figure.
LAUNCHER = """
import json, os, subprocess, sys
spec = json.loads(sys.stdin.readline())
with open(spec["out"], "w") as out, open(spec["err"], "w") as err:
    child = subprocess.Popen(spec["command"], stdout=out, stderr=err, env=spec["env"])
    _, status, usage = os.wait4(child.pid, 0)
with open("/proc/self/status") as status_file:  # VmHWM: this program's own peak, in kB
    floor = next(int(line.split()[1]) for line in status_file if line.startswith("VmHWM"))
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss,
                  "floor": floor}))
"""


def run_child(command: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak memory (KiB, ru_maxrss) and stdout of a child process."""
    with tempfile.TemporaryDirectory(prefix="bench-ingest-run-") as scratch:
        spec = {
            "command": command,
            "env": env or dict(os.environ),
            "out": f"{scratch}/out",
            "err": f"{scratch}/err",
        }
        started = time.perf_counter()
        launched = subprocess.run(
            [sys.executable, "-S", "-E", "-c", LAUNCHER],
            input=json.dumps(spec) + "\n",
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
        result = json.loads(launched.stdout)
        output = Path(spec["out"]).read_text()
        error = Path(spec["err"]).read_text()
    if result["code"] != 0:
        raise RuntimeError(f"{command[0]} failed ({result['code']}): {error[-2000:]}")
    MEASUREMENT_FLOOR_KIB.append(result["floor"])
    return seconds, result["maxrss"], output


MEASUREMENT_FLOOR_KIB: list[int] = []


def pipeline_round(path: Path, plan_slug: str, collection_id: str) -> dict:
    loadavg = os.getloadavg()
    _, peak_kib, output = run_child(
        [sys.executable, __file__, "--child", str(path), plan_slug, collection_id]
    )
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mib"] = peak_kib / 1024
    result["loadavg"] = loadavg
    return result


def ogr2ogr_round(path: Path) -> dict:
    loadavg = os.getloadavg()
    # The table is made by the owner's role: the application's may not create tables.
    database = {**connection.settings_dict, **(settings.DATABASE_OWNER or {})}
    target = (
        f"PG:host={database['HOST'] or '127.0.0.1'} port={database['PORT'] or 5432} "
        f"dbname={database['NAME']} user={database['USER']}"
    )
    env = {**os.environ, "PGPASSWORD": database["PASSWORD"] or ""}
    command = [
        "ogr2ogr", "-f", "PostgreSQL", target, str(path),
        "-nln", SCRATCH_TABLE, "-t_srs", "EPSG:4326",
        "-lco", "SPATIAL_INDEX=GIST", "-lco", "GEOMETRY_NAME=geom",
        "--config", "PG_USE_COPY", "YES", "-gt", "65536", "-overwrite",
    ]  # fmt: skip
    seconds, peak_kib, _ = run_child(command, env)
    return {"seconds": seconds, "peak_mib": peak_kib / 1024, "loadavg": loadavg}


def child_main(path: str, plan_slug: str, collection_id: str) -> None:
    """In the measured child: the pipeline as an upload job runs it (layers/ingest/pipeline.py),
    minus the queue, for a brand-new layer."""
    from layers.ingest.pipeline import Target, ingest_file

    plan = Plan.objects.get(slug=plan_slug)
    stages: dict[str, float] = {}

    def progress(stage, done, total):
        stages.setdefault(stage, time.perf_counter())

    started = time.perf_counter()
    result = ingest_file(
        Path(path), Target(plan, collection_id, key_field="BSM"), name="地类图斑.gpkg",
        progress=progress,
    )  # fmt: skip
    if result.revision is None:
        raise SystemExit(f"rejected: {[p.message for p in result.prepared.log.errors[:5]]}")
    revision = result.revision
    finished = time.perf_counter()
    sample = revision.features.filter(properties__BSM=FIRST_BSM).values_list(
        "properties", flat=True
    )[0]
    marks = [stages.get(s, finished) for s in ("reading", "checking")] + [finished]
    print(
        json.dumps(
            {
                "seconds": finished - started,
                "features": revision.feature_count,
                "crs": revision.source_crs,
                "problems": sorted({p["code"] for p in revision.problems}),
                "sample": sample,
                "stages": {
                    "open+survey": marks[1] - marks[0],
                    "check+write+commit": marks[2] - marks[1],
                },
                "self_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            },
            ensure_ascii=False,
        )
    )


# -- the run ---------------------------------------------------------------------------------


def clean_up(*, table: bool = True, plan: bool = True) -> None:
    """Removes the throwaway plans (by their prefix) with their layers, revisions and
    features, and the ogr2ogr table. Plain SQL in dependency order: nothing else points at a
    throwaway plan, and the ORM's cascade would first ask every table that could."""
    plans = f"SELECT id FROM {Plan._meta.db_table} WHERE slug LIKE %s"
    layers = f"SELECT id FROM {Layer._meta.db_table} WHERE plan_id IN ({plans})"
    revisions = f"SELECT id FROM {LayerRevision._meta.db_table} WHERE layer_id IN ({layers})"
    pattern = [SCRATCH_PREFIX + "-%"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Layer._meta.db_table} SET published_revision_id = NULL "
            f"WHERE id IN ({layers})",
            pattern,
        )
        cursor.execute(
            f"DELETE FROM {Feature._meta.db_table} WHERE revision_id IN ({revisions})", pattern
        )
        cursor.execute(
            f"DELETE FROM {LayerRevision._meta.db_table} WHERE id IN ({revisions})", pattern
        )
        cursor.execute(f"DELETE FROM {Layer._meta.db_table} WHERE id IN ({layers})", pattern)
        if plan:
            cursor.execute(
                f"DELETE FROM {PlanVersion._meta.db_table} WHERE plan_id IN ({plans})", pattern
            )
            cursor.execute(f"DELETE FROM {Plan._meta.db_table} WHERE id IN ({plans})", pattern)
    if table:
        with as_owner(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")
    # Where autovacuum is off, the deleted features slowed bench/tiles.py's SQL by a third.
    vacuum(Feature, LayerRevision, Layer)


def scratch_table_rows() -> tuple[int, str | None]:
    """The ogr2ogr table's row count and the name (DLMC) of its first parcel."""
    with as_owner(), connection.cursor() as cursor:
        # Constant identifiers only; ogr2ogr lower-cases field names.
        cursor.execute(
            f"SELECT count(*), min(dlmc) FILTER (WHERE bsm = %s) FROM {SCRATCH_TABLE}",  # noqa: S608
            [FIRST_BSM],
        )
        return cursor.fetchone()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # 1,000,000 parcels (a province layer) are measured by bench/province.py, which writes its
    # file with write_geopackage: the default keeps make bench short.
    parser.add_argument("--sizes", default="50000,200000")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(*args.child)
        return 0
    if shutil.which("ogr2ogr") is None:
        print("ogr2ogr is not installed (Debian package gdal-bin)")
        return 1
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    sizes = [min(int(size), 2_000_000) for size in args.sizes.split(",")]
    rounds = max(1, min(args.rounds, 10))
    plan_slug = f"{SCRATCH_PREFIX}-{os.getpid()}"
    clean_up()
    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    failed = False
    try:
        bench_plan(plan_slug)
        print(f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        for size in sizes:
            # A million parcels take minutes per round: one round there keeps make bench short.
            times = rounds if size < ONE_ROUND_FROM else 1
            failed |= run_size(size, times, folder, plan_slug) != 0
        floor = max(MEASUREMENT_FLOOR_KIB) / 1024
        print(f"(peak memory: ru_maxrss of each child; up to {floor:.0f} MiB of it the launcher's)")
        print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        return 1 if failed else 0
    finally:
        clean_up()
        shutil.rmtree(folder, ignore_errors=True)


def run_size(size: int, rounds: int, folder: Path, plan_slug: str) -> int:
    started = time.perf_counter()
    path = write_geopackage(size, folder)
    print(
        f"\n== {size:,} parcels: GeoPackage, EPSG:4546, {path.stat().st_size / 2**20:.0f} MiB "
        f"(made in {time.perf_counter() - started:.1f} s)"
    )
    pipeline, baseline = [], []
    for number in range(1, rounds + 1):
        collection_id = f"{plan_slug}-{size}-r{number}"
        pipeline.append(pipeline_round(path, plan_slug, collection_id))
        baseline.append(ogr2ogr_round(path))
        p, o = pipeline[-1], baseline[-1]
        stages = ", ".join(f"{k} {v:.2f}" for k, v in p["stages"].items())
        print(
            f"round {number}: pipeline {p['seconds']:.2f} s ({stages}), "
            f"{p['peak_mib']:.0f} MiB, load {p['loadavg'][0]:.2f}; "
            f"ogr2ogr {o['seconds']:.2f} s, {o['peak_mib']:.0f} MiB, load {o['loadavg'][0]:.2f}"
        )
        clean_up(table=False, plan=False)  # every round starts from the same feature table
    path.unlink()
    return report(size, pipeline, baseline)


def report(size: int, pipeline: list[dict], baseline: list[dict]) -> int:
    last = pipeline[-1]
    loaded, name = scratch_table_rows()
    if last["features"] != loaded or name != last["sample"]["DLMC"]:
        print(f"ERROR: the pipeline wrote {last['features']} features, ogr2ogr {loaded}")
        print(f"ERROR: first parcel named {last['sample']['DLMC']!r} and {name!r}")
        return 1
    print(
        f"pipeline result: {last['features']} features, CRS {last['crs']}, "
        f"problems: {', '.join(last['problems']) or 'none'}; first feature {last['sample']}"
    )
    ours = statistics.median(p["seconds"] for p in pipeline)
    theirs = statistics.median(o["seconds"] for o in baseline)
    peak = max(p["peak_mib"] for p in pipeline)
    ratio = ours / theirs
    count = last["features"]
    print(f"{'':10} {'seconds':>8} {'features/s':>11} {'peak MiB':>9}")
    print(f"{'pipeline':10} {ours:8.2f} {count / ours:11.0f} {peak:9.0f}")
    print(
        f"{'ogr2ogr':10} {theirs:8.2f} {count / theirs:11.0f} "
        f"{max(o['peak_mib'] for o in baseline):9.0f}"
    )
    per_round = ", ".join(
        f"{p['seconds'] / o['seconds']:.2f}" for p, o in zip(pipeline, baseline, strict=True)
    )
    print(
        f"ratio pipeline/ogr2ogr at {size:,} (median of {len(pipeline)}): {ratio:.2f} "
        f"(rounds {per_round})"
    )
    if size >= RATIO_GOAL_FROM:
        verdict = "PASS" if ratio <= RATIO_GOAL else "MISS"
        print(f"{verdict}: pipeline within {RATIO_GOAL:g}x of ogr2ogr at {size:,} ({ratio:.2f}x)")
    verdict = "PASS" if peak < MEMORY_GOAL_MIB else "MISS"
    print(f"{verdict}: peak memory under {MEMORY_GOAL_MIB} MiB at {size:,} ({peak:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
