"""汇交 package benchmark: a GeoPackage of 15 layers and 200,000 features through the package
path (layers/packages/service.py: match, one pipeline run per layer, the checks across
layers, the diffs), against ``ogr2ogr -f PostgreSQL`` of the same file in the same run.

``DATABASE_URL=postgis://…/scratch .venv/bin/python bench/package_import.py [--scale 1.0]``

- Data (seeded, EPSG:4546 around 111.55°E 37.07°N, a scratch plan ``bench-package`` with an
  11 km square extent): XZQ (1 polygon), YDYH (100,000 parcels with YDYHFLDM/YDYHFLMC), YJJBNT
  (40,000 parcels on a shifted grid, so some overlap CZKFBJ), STBHHX (5,000), CZKFBJ (20 blocks
  of 300 m), GHFQ (10,000) and nine more thematic layers of 5,000 polygons, every feature with
  BSM, YSDM, XZQDM, MJ and BZ. ``--scale`` shrinks every count for a quick try.
- Package path: in a child process (its peak memory, ``ru_maxrss`` from ``os.wait4``, is the
  package path's alone), receive, choose (unmatched layers as new layers of their code) and
  run the job as the worker does; the parent polls the job's per-layer progress meanwhile.
- Baseline: ``ogr2ogr -f PostgreSQL`` of the whole GeoPackage into a scratch schema,
  reprojected to EPSG:4326 with GiST indexes.
- Goal: under 120 s and under 1 GiB peak. The scratch plan's layers, the schema and the stored
  file are removed at the start and the end (the plan and the audit events stay: the trail is
  append-only). Run it on a scratch database, never the one residents see.
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

import django  # noqa: E402

django.setup()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.gis.geos import Polygon  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from pyproj import Transformer  # noqa: E402

from layers.ingest.landuse import landuse_name  # noqa: E402
from layers.models import Layer, LayerRevision, PackageJob  # noqa: E402
from planportal.db_roles import as_owner  # noqa: E402
from planportal.models import Plan  # noqa: E402

SEED = 20261206
SLUG = "bench-package"
CENTRE_LONLAT = (111.55, 37.07)
HALF_SIDE = 5500.0  # metres: an 11 km square plan area
SCHEMA = "bench_package_ogr2ogr"
TIME_GOAL_S = 120.0
MEMORY_GOAL_MIB = 1024
CODES = ("0101", "0102", "0103", "0201", "0301", "0304", "0401", "0601", "0703", "1001", "1701")
WEIGHTS = np.array((10, 15, 40, 5, 10, 3, 5, 3, 5, 2, 2), dtype=float)
# (layer name in the file, code, features, grid spacing in metres, grid offset in metres)
LAYERS = [
    ("XZQ", "XZQ", 1, 0, 0),
    ("YDYH", "YDYH", 100_000, 30, 0),
    ("YJJBNT", "YJJBNT", 40_000, 30, 15),
    ("STBHHX", "STBHHX", 5_000, 60, 7),
    ("CZKFBJ", "CZKFBJ", 20, 400, 50),
    ("GHFQ", "GHFQ", 10_000, 100, 20),
    ("CZFL", "CZFL", 5_000, 60, 3),
    ("HLFXKZX", "HLFXKZX", 5_000, 60, 11),
    ("NYPQ", "NYPQ", 5_000, 60, 13),
    ("FMFQ", "FMFQ", 5_000, 60, 17),
    ("STXF", "STXF", 5_000, 60, 19),
    ("TDZZ", "TDZZ", 5_000, 60, 23),
    ("DZZH", "DZZH", 5_000, 60, 29),
    ("JQXM", "JQXM", 5_000, 60, 31),
    ("CYBJ", "CYBJ", 5_000, 60, 37),
]


def centre_gk() -> tuple[float, float]:
    return Transformer.from_crs(4326, 4546, always_xy=True).transform(*CENTRE_LONLAT)


def grid_layer(code: str, count: int, step: float, offset: float, rng) -> gpd.GeoDataFrame:
    """``count`` parcels on a grid of ``step`` m from the centre outwards (a 10 % gap between
    neighbours), with the standard fields."""
    x0, y0 = centre_gk()
    if count == 1:
        margin = HALF_SIDE - 200
        geometry = [shapely.box(x0 - margin, y0 - margin, x0 + margin, y0 + margin)]
    else:
        side = int(np.ceil(np.sqrt(count)))
        ys, xs = np.divmod(np.arange(count), side)
        west = x0 - side * step / 2 + offset
        south = y0 - side * step / 2 + offset
        gap = step * 0.05
        geometry = shapely.box(
            west + xs * step + gap,
            south + ys * step + gap,
            west + (xs + 1) * step - gap,
            south + (ys + 1) * step - gap,
        )
    frame = {
        "BSM": [f"141181101{code}{i + 1:08d}" for i in range(count)],
        "YSDM": [f"2090{len(code):02d}0000"] * count,
        "XZQDM": ["141181101000"] * count,
        "MJ": np.round(shapely.area(geometry), 2),
        "BZ": [""] * count,
    }
    if code == "YDYH":
        codes = rng.choice(CODES, size=count, p=WEIGHTS / WEIGHTS.sum())
        frame["YDYHFLDM"] = codes
        frame["YDYHFLMC"] = [landuse_name(value) for value in codes]
    if code == "XZQ":
        frame["XZQMC"] = ["阳泉曲镇"]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4546)


def write_package(path: Path, scale: float) -> int:
    rng = np.random.default_rng(SEED)
    total = 0
    for name, code, count, step, offset in LAYERS:
        count = max(1, int(count * scale)) if count > 1 else 1
        grid_layer(code, count, step, offset, rng).to_file(
            path, layer=name, driver="GPKG", engine="pyogrio"
        )
        total += count
    return total


def scratch_plan() -> Plan:
    x0, y0 = CENTRE_LONLAT
    extent = Polygon.from_bbox((x0 - 0.075, y0 - 0.06, x0 + 0.075, y0 + 0.06))
    extent.srid = 4326
    plan, _ = Plan.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "bench: 汇交 package",
            "region_code": "141181101000",
            "region_name": "bench",
            "organisation": "bench",
            "period_start": 2021,
            "period_end": 2035,
            "extent": extent,
        },
    )
    return plan


def bench_user():
    from django.contrib.auth.models import Group

    from planportal.roles import PLANNERS

    user, _ = get_user_model().objects.get_or_create(username="bench.package")
    user.groups.add(Group.objects.get(name=PLANNERS))
    return user


def clean_up() -> None:
    """The scratch plan's layers, revisions, features and package jobs, and the schema."""
    layers = f"SELECT id FROM {Layer._meta.db_table} WHERE plan_id IN (SELECT id FROM planportal_plan WHERE slug = %s)"  # noqa: E501
    revisions = f"SELECT id FROM {LayerRevision._meta.db_table} WHERE layer_id IN ({layers})"
    with transaction.atomic(), connection.cursor() as cursor:
        for job in PackageJob.objects.filter(plan__slug=SLUG):
            (Path(django.conf.settings.MEDIA_ROOT) / job.stored_file).unlink(missing_ok=True)
        cursor.execute(
            "DELETE FROM layers_packagejob WHERE plan_id IN "
            "(SELECT id FROM planportal_plan WHERE slug = %s)",
            [SLUG],
        )
        cursor.execute(f"DELETE FROM layers_uploadjob WHERE layer_id IN ({layers})", [SLUG])
        cursor.execute(
            f"UPDATE layers_layer SET published_revision_id = NULL WHERE id IN ({layers})", [SLUG]
        )  # noqa: E501
        cursor.execute(f"DELETE FROM layers_feature WHERE revision_id IN ({revisions})", [SLUG])
        cursor.execute(f"DELETE FROM layers_featuredoc WHERE revision_id IN ({revisions})", [SLUG])
        cursor.execute(f"DELETE FROM layers_layerrevision WHERE id IN ({revisions})", [SLUG])
        cursor.execute(f"DELETE FROM layers_layer WHERE id IN ({layers})", [SLUG])
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def run_measured(command: list[str], env=None) -> tuple[float, float, str]:
    """Wall seconds, peak MiB (ru_maxrss of the child) and stdout."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode(errors="replace")
    if child.returncode:
        raise RuntimeError(f"{command[0]} failed: {output[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, output


def ogr2ogr(path: Path) -> tuple[float, float]:
    """ogr2ogr into a schema of its own, as the database's owner: the application's role may
    create neither schemas nor tables."""
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {SCHEMA}")
    database = {**connection.settings_dict, **(django.conf.settings.DATABASE_OWNER or {})}
    target = (
        f"PG:host={database['HOST'] or '127.0.0.1'} port={database['PORT'] or 5432} "
        f"dbname={database['NAME']} user={database['USER']} active_schema={SCHEMA}"
    )
    env = {**os.environ, "PGPASSWORD": database["PASSWORD"] or ""}
    seconds, peak, _ = run_measured(
        ["ogr2ogr", "-f", "PostgreSQL", target, str(path), "-t_srs", "EPSG:4326",
         "-lco", f"SCHEMA={SCHEMA}", "-lco", "SPATIAL_INDEX=GIST", "-lco", "GEOMETRY_NAME=geom"],
        env,
    )  # fmt: skip
    return seconds, peak


def child_main(path: str) -> None:
    from django.core.files import File

    from layers.packages.service import choose, receive_package, run_package_job

    plan, user = scratch_plan(), bench_user()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        job = receive_package(user, plan, File(handle, name="汇交成果.gpkg"))
    choices = {e["name"]: f"new:{e['name']}" for e in job.entries if not e["action"]}
    choose(job, user, choices, {}, defer=False)
    run_package_job(job.pk)
    job.refresh_from_db()
    print(json.dumps({"seconds": time.perf_counter() - started, "job": job.pk}))


def poll_progress(stop: threading.Event, lines: list[str]) -> None:
    """What the result page would show, every 5 s: the layer being written and its percent."""
    reader = connections.create_connection("default")
    try:
        while not stop.wait(5):
            with reader.cursor() as cursor:
                cursor.execute(
                    "SELECT entries FROM layers_packagejob WHERE plan_id = "
                    "(SELECT id FROM planportal_plan WHERE slug = %s) ORDER BY id DESC LIMIT 1",
                    [SLUG],
                )
                row = cursor.fetchone()
            if row:
                entries = json.loads(row[0]) if isinstance(row[0], str) else row[0]
                shown = [
                    f"{e['name']} {e.get('stage') or e.get('state') or '-'} {e.get('percent', 0)}%"
                    for e in entries
                    if e.get("state") == "running"
                ]
                done = sum(1 for e in entries if e.get("state") == "done")
                lines.append(f"  progress: {done}/{len(entries)} done; {'; '.join(shown)}")
                print(lines[-1], flush=True)
    finally:
        reader.close()


def main() -> int:
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child)
        return 0
    if connection.settings_dict["NAME"] == "planportal" and not os.environ.get("BENCH_ON_PORTAL"):
        print("refusing to run on the portal's own database: set DATABASE_URL to a scratch one")
        return 1
    scratch_plan(), bench_user()
    clean_up()
    folder = Path(tempfile.mkdtemp(prefix="bench-package-"))
    try:
        path = folder / "huijiao.gpkg"
        started = time.perf_counter()
        total = write_package(path, args.scale)
        size = path.stat().st_size / 2**20
        seconds = time.perf_counter() - started
        print(f"file: {len(LAYERS)} layers, {total:,} features, {size:.0f} MiB, in {seconds:.1f} s")
        base_s, base_peak = ogr2ogr(path)
        print(f"ogr2ogr: {base_s:.1f} s, peak {base_peak:.0f} MiB")
        stop, lines = threading.Event(), []
        poller = threading.Thread(target=poll_progress, args=(stop, lines), daemon=True)
        poller.start()
        wall, peak, output = run_measured([sys.executable, __file__, "--child", str(path)])
        stop.set()
        poller.join()
        result = json.loads(output.strip().splitlines()[-1])
        job = PackageJob.objects.get(pk=result["job"])
        print(f"package path: {result['seconds']:.1f} s inside the child ({wall:.1f} s wall), "
              f"peak {peak:.0f} MiB, state {job.state}")  # fmt: skip
        for entry in job.entries:
            print(f"  {entry['name']:8} {entry['state']:6} {entry.get('features', 0):>7} features "
                  f"{entry.get('seconds', 0):6.1f} s")  # fmt: skip
        report = job.crosscheck or {}
        for overlap in report.get("overlaps", []):
            print(f"  overlap {overlap['a']} x {overlap['b']}: {overlap['hectares']} ha, "
                  f"{overlap['count']} pieces")  # fmt: skip
        for outside in report.get("outside", []):
            print(f"  outside {outside['layer']}: {outside['hectares']} ha")
        print(f"  checks across layers: {report.get('seconds', 0):.1f} s")
        print(f"ratio package/ogr2ogr: {result['seconds'] / base_s:.1f}")
        fast = result["seconds"] < TIME_GOAL_S
        print(f"time goal {TIME_GOAL_S:.0f} s: {'PASS' if fast else 'MISS'}")
        print(f"memory goal {MEMORY_GOAL_MIB} MiB: {'PASS' if peak < MEMORY_GOAL_MIB else 'MISS'}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        clean_up()
    return 0


if __name__ == "__main__":
    sys.exit(main())
