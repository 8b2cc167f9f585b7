"""Layer ingest benchmark: the upload pipeline against ``ogr2ogr -f PostgreSQL`` on one file.

Run after ``make run`` has loaded the demo plan (``make bench`` does):
``.venv/bin/python bench/ingest.py [--features 50000] [--rounds 3]``.

- Data: a zipped Shapefile of --features parcels (default 50,000) written in a temporary
  folder, the same bytes for the same arguments (seeded): a jittered grid of 8-vertex parcels
  with shared edges in EPSG:4546 (CGCS2000 Gauss-Krüger, central meridian 111°E, no zone
  prefix) around 阳泉曲镇 (111.55°E, 37.07°N), with the fields BSM (标识码), DLBM (a 2023
  land-use code), DLMC (its Chinese name) and MJ (area in m²), encoded in GBK with no .cpg
  file, as planners' tools often leave it.
- Pipeline: ``layers.ingest.pipeline.ingest_file`` (what the upload worker runs) into a
  scratch layer of the demo plan on the local database (``DATABASE_URL``), in a child process
  of its own, so its peak memory (``ru_maxrss`` of that child, from ``os.wait4``) is the
  pipeline's alone, Django and its imports included. The time is taken inside the child, from
  opening the upload to the committed revision (it reads the GBK text and recognises the CRS
  itself).
- Baseline: ``ogr2ogr -f PostgreSQL PG:... -nln bench_ingest_ogr2ogr -t_srs EPSG:4326
  -lco SPATIAL_INDEX=GIST -oo ENCODING=CP936`` from the same zip (GDAL's command-line tools,
  COPY mode), timed from start to exit.
- The two alternate --rounds times (default 3); the medians are compared. Goal: the pipeline
  within 2x of ogr2ogr and under 1 GiB peak memory. Prints PASS or MISS per goal (a miss does
  not fail the run; an error does).
- Clean-up: the scratch layer (with its revisions and features) and table are removed at the
  end, and left-overs of an interrupted run at the start. Nothing is published, so the
  append-only audit trail gets no event.

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
import zipfile
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
from django.db import connection, transaction  # noqa: E402
from pyproj import Transformer  # noqa: E402

from layers.models import Feature, Layer, LayerRevision  # noqa: E402
from planportal.models import Plan  # noqa: E402

SEED = 20231107
DEMO_SLUG = "yangquanqu-2021-2035"
BSM_PREFIX = "1411811010"  # 阳泉曲镇's statistics code, then a sequence number
FIRST_BSM = f"{BSM_PREFIX}{1:08d}"
CENTRE_LONLAT = (111.55, 37.07)
PARCEL_METRES = 30.0  # grid spacing; parcels are about 900 m²
JITTER = 0.25  # of the spacing, for corners and edge midpoints
SCRATCH_PREFIX = "bench-ingest"
SCRATCH_TABLE = "bench_ingest_ogr2ogr"
RATIO_GOAL = 2.0
MEMORY_GOAL_MIB = 1024
# Common land-use codes of farmland surveys (2023 classification), weighted as in a village.
CODES = ("0101", "0102", "0103", "0201", "0301", "0304", "0401", "0601", "0703", "1001", "1701")
WEIGHTS = (10, 15, 40, 5, 10, 3, 5, 3, 5, 2, 2)


# -- the file --------------------------------------------------------------------------------


def parcel_grid(count: int, seed: int, area: shapely.Polygon) -> gpd.GeoDataFrame:
    """``count`` parcels on a jittered grid over ``area`` (EPSG:4546), the cells nearest to
    阳泉曲镇 first; neighbours share their corners and edge midpoints, so parcels tile the
    ground without gaps or overlaps, as cadastral parcels do."""
    from layers.ingest import landuse_name

    rng = np.random.default_rng(seed)
    step, shake = PARCEL_METRES, PARCEL_METRES * JITTER
    west, south, east, north = area.bounds
    columns, rows = int((east - west) // step), int((north - south) // step)

    def jittered(shape, dx, dy):
        ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
        x = west + (xs + dx) * step + rng.uniform(-shake, shake, shape)
        y = south + (ys + dy) * step + rng.uniform(-shake, shake, shape)
        return np.stack([x, y], axis=-1)

    corners = jittered((rows + 1, columns + 1), 0, 0)
    across = jittered((rows + 1, columns), 0.5, 0)  # midpoints of horizontal edges
    upward = jittered((rows, columns + 1), 0, 0.5)  # midpoints of vertical edges
    # Cells well inside the plan area (a jittered corner moves less than a cell), nearest to
    # the town first, then in rows from the south-west as a survey numbers them.
    r, c = np.divmod(np.arange(rows * columns), columns)
    cx, cy = west + (c + 0.5) * step, south + (r + 0.5) * step
    inside = shapely.contains_xy(area.buffer(-2 * step), cx, cy)
    x0, y0 = Transformer.from_crs(4326, 4546, always_xy=True).transform(*CENTRE_LONLAT)
    nearest = np.flatnonzero(inside)[np.argsort(np.hypot(cx - x0, cy - y0)[inside])]
    if len(nearest) < count:
        raise SystemExit(f"the plan area holds only {len(nearest)} parcels of {step} m")
    chosen = np.sort(nearest[:count])
    r, c = r[chosen], c[chosen]
    rings = np.stack(
        [
            corners[r, c],
            across[r, c],
            corners[r, c + 1],
            upward[r, c + 1],
            corners[r + 1, c + 1],
            across[r + 1, c],
            corners[r + 1, c],
            upward[r, c],
            corners[r, c],
        ],
        axis=1,
    )
    polygons = shapely.polygons(rings)
    codes = rng.choice(CODES, size=count, p=np.array(WEIGHTS) / sum(WEIGHTS))
    return gpd.GeoDataFrame(
        {
            "BSM": [f"{BSM_PREFIX}{i + 1:08d}" for i in range(count)],
            "DLBM": codes,
            "DLMC": [landuse_name(code) for code in codes],
            "MJ": np.round(shapely.area(polygons), 2),
        },
        geometry=polygons,
        crs=4546,
    )


def demo_plan() -> Plan:
    return Plan.objects.filter(slug=DEMO_SLUG).first() or Plan.objects.first()


def plan_area() -> shapely.Polygon:
    """The demo plan's extent in EPSG:4546 (the pipeline rejects parcels outside it)."""
    extent = demo_plan().extent
    if extent is None:
        raise SystemExit("the demo plan has no extent: run manage.py load_demo_plan first")
    return shapely.from_wkt(extent.transform(4546, clone=True).wkt)


def write_zipped_shapefile(frame: gpd.GeoDataFrame, folder: Path) -> Path:
    """GBK text and no .cpg, zipped as a planner would send it."""
    files = folder / "parcels"
    files.mkdir()
    pyogrio.write_dataframe(frame, files / "dltb.shp", encoding="GBK")
    (files / "dltb.cpg").unlink(missing_ok=True)
    archive = folder / "dltb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(files.iterdir()):
            bundle.write(path, path.name)
    shutil.rmtree(files)
    return archive


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


def pipeline_round(archive: Path, collection_id: str) -> dict:
    _, peak_kib, output = run_child(
        [sys.executable, __file__, "--child", str(archive), collection_id]
    )
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mib"] = peak_kib / 1024
    return result


def ogr2ogr_round(archive: Path) -> dict:
    database = connection.settings_dict
    target = (
        f"PG:host={database['HOST'] or '127.0.0.1'} port={database['PORT'] or 5432} "
        f"dbname={database['NAME']} user={database['USER']}"
    )
    env = {**os.environ, "PGPASSWORD": database["PASSWORD"] or ""}
    command = [
        "ogr2ogr",
        "-f",
        "PostgreSQL",
        target,
        f"/vsizip/{archive}/dltb.shp",
        "-oo",
        "ENCODING=CP936",
        "-nln",
        SCRATCH_TABLE,
        "-t_srs",
        "EPSG:4326",
        "-lco",
        "SPATIAL_INDEX=GIST",
        "-lco",
        "GEOMETRY_NAME=geom",
        "-overwrite",
    ]
    seconds, peak_kib, _ = run_child(command, env)
    return {"seconds": seconds, "peak_mib": peak_kib / 1024}


def child_main(archive: str, collection_id: str) -> None:
    """In the measured child: the pipeline as an upload job runs it (layers/ingest/pipeline.py),
    minus the queue."""
    from layers.ingest.pipeline import Target, ingest_file

    plan = demo_plan()
    Layer.objects.get_or_create(
        collection_id=collection_id,
        defaults=dict(
            plan=plan,
            title="bench: ingest",
            geometry_type="Polygon",
            key_field="BSM",
            category_field="DLBM",
            name_field="DLMC",
            attribute_schema=[
                {"name": "BSM", "label": "标识码", "type": "string", "required": True},
                {"name": "DLBM", "label": "地类编码", "type": "string", "required": True},
                {"name": "DLMC", "label": "地类名称", "type": "string", "required": False},
                {"name": "MJ", "label": "面积", "type": "number", "required": False},
            ],
        ),
    )
    stages: dict[str, float] = {}

    def progress(stage, done, total):
        stages.setdefault(stage, time.perf_counter())

    started = time.perf_counter()
    result = ingest_file(
        Path(archive), Target(plan, collection_id), name="地类图斑.zip", progress=progress
    )
    if result.revision is None:
        raise SystemExit(f"rejected: {[p.message for p in result.prepared.log.errors[:5]]}")
    revision = result.revision
    finished = time.perf_counter()
    sample = revision.features.filter(properties__BSM=FIRST_BSM).values_list(
        "properties", flat=True
    )[0]
    marks = [stages.get(s, finished) for s in ("reading", "checking", "writing")] + [finished]
    print(
        json.dumps(
            {
                "seconds": finished - started,
                "features": revision.feature_count,
                "revision": revision.number,
                "crs": revision.source_crs,
                "problems": sorted({p["code"] for p in revision.problems}),
                "sample": sample,
                "stages": {
                    "read": marks[1] - started,
                    "check": marks[2] - marks[1],
                    "write": marks[3] - marks[2],
                },
                "self_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            },
            ensure_ascii=False,
        )
    )


# -- the run ---------------------------------------------------------------------------------


def clean_up(*, table: bool = True) -> None:
    """Removes the scratch layers (by their prefix), their revisions and features, and the
    ogr2ogr table. Plain SQL in dependency order: nothing else points at a scratch layer, and
    the ORM's cascade would first ask every table that could."""
    layers = f"SELECT id FROM {Layer._meta.db_table} WHERE collection_id LIKE %s"
    revisions = f"SELECT id FROM {LayerRevision._meta.db_table} WHERE layer_id IN ({layers})"
    pattern = [SCRATCH_PREFIX + "-%"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Layer._meta.db_table} SET published_revision_id = NULL "
            "WHERE collection_id LIKE %s",
            pattern,
        )
        cursor.execute(
            f"DELETE FROM {Feature._meta.db_table} WHERE revision_id IN ({revisions})", pattern
        )
        cursor.execute(
            f"DELETE FROM {LayerRevision._meta.db_table} WHERE id IN ({revisions})", pattern
        )
        cursor.execute(f"DELETE FROM {Layer._meta.db_table} WHERE id IN ({layers})", pattern)
        if table:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")
    # Where autovacuum is off, the deleted features slowed bench/tiles.py's SQL by a third.
    vacuum(Feature, LayerRevision, Layer)


def scratch_table_rows() -> tuple[int, str | None]:
    """The ogr2ogr table's row count and the name (DLMC) of its first parcel."""
    with connection.cursor() as cursor:
        # Constant identifiers only; ogr2ogr lower-cases field names.
        cursor.execute(
            f"SELECT count(*), min(dlmc) FILTER (WHERE bsm = %s) FROM {SCRATCH_TABLE}",  # noqa: S608
            [FIRST_BSM],
        )
        return cursor.fetchone()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(*args.child)
        return 0
    if shutil.which("ogr2ogr") is None:
        print("ogr2ogr is not installed (Debian package gdal-bin)")
        return 1
    logging.getLogger("pyogrio").setLevel(logging.WARNING)  # "Created 50,000 records"
    rounds = max(1, min(args.rounds, 10))
    collection_id = f"{SCRATCH_PREFIX}-{os.getpid()}"
    clean_up()
    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        started = time.perf_counter()
        frame = parcel_grid(args.features, SEED, plan_area())
        archive = write_zipped_shapefile(frame, folder)
        size_mib = archive.stat().st_size / 2**20
        print(
            f"file: {len(frame)} parcels, GBK without .cpg, EPSG:4546, {size_mib:.1f} MiB zipped "
            f"(made in {time.perf_counter() - started:.1f} s)"
        )
        del frame
        pipeline, baseline = [], []
        for number in range(1, rounds + 1):
            # Every round writes into the same table state, as ogr2ogr -overwrite starts anew.
            clean_up(table=False)
            pipeline.append(pipeline_round(archive, collection_id))
            baseline.append(ogr2ogr_round(archive))
            p, o = pipeline[-1], baseline[-1]
            print(
                f"round {number}: pipeline {p['seconds']:.2f} s (read {p['stages']['read']:.2f}, "
                f"check {p['stages']['check']:.2f}, write {p['stages']['write']:.2f}), "
                f"{p['peak_mib']:.0f} MiB; ogr2ogr {o['seconds']:.2f} s, {o['peak_mib']:.0f} MiB"
            )
        floor = max(MEASUREMENT_FLOOR_KIB) / 1024
        print(f"(peak memory: ru_maxrss of each child; up to {floor:.0f} MiB of it the launcher's)")
        return report(pipeline, baseline)
    finally:
        clean_up()
        shutil.rmtree(folder, ignore_errors=True)


def report(pipeline: list[dict], baseline: list[dict]) -> int:
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
    print(f"ratio pipeline/ogr2ogr (median of {len(pipeline)}): {ratio:.2f}")
    verdict = "PASS" if ratio <= RATIO_GOAL else "MISS"
    print(f"{verdict}: pipeline within {RATIO_GOAL:g}x of ogr2ogr ({ratio:.2f}x)")
    verdict = "PASS" if peak < MEMORY_GOAL_MIB else "MISS"
    print(f"{verdict}: peak memory under {MEMORY_GOAL_MIB} MiB ({peak:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
