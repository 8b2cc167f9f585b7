"""Drill: the disk fills up during uploads.

``.venv/bin/python drills/disk_full.py``

Mounts two small tmpfs volumes (the drill runs as root): one for MEDIA_ROOT and the web tier's
temporary folder (32 MB), one for the job worker's temporary folder, where it unpacks and
checks uploads (8 MB). Starts a throwaway database with the demo plan, gunicorn and the job
worker as `make run` starts them behind nginx with the shipped rules, a planner and a
published layer of 50 parcels. Then:

1. a 40 MB GeoJSON sent to the API does not fit on the web tier's volume while Django reads
   the request;
2. a zipped GeoJSON of 14 MB (a 2.6 MB archive) fits on the web tier, whose check unpacks it,
   but not in the worker's scratch folder, which runs out while unpacking.

For each it prints the answer and checks: a plain message (HTTP 507, or a failed job with
the disk-full problem), no file left on either volume, no upload job or revision written
by the refused request, the published revision unchanged and still served. Exit status 1 if
a check fails; the volumes are unmounted and the database dropped.
"""

import shutil
import subprocess
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

from _clients import post_upload, request
from _scene import (
    LAYER,
    layer_state,
    parcels_file,
    planner_with_a_published_layer,
    upload_jobs,
    wait_for_state,
)
from _stack import demo_database, gunicorn, job_worker, nginx, production_environment, report_checks


@contextmanager
def small_volume(folder: Path, megabytes: int):
    folder.mkdir(parents=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0777", "tmpfs", str(folder)],
        check=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def files_in(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.rglob("*") if p.is_file())


def zipped(source: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(source, source.name)
    return archive


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="drill-disk-"))
    env = production_environment(folder)
    small = parcels_file(folder / "小地块.geojson", 50)
    huge = parcels_file(folder / "大文件.geojson", 170_000)
    archive = zipped(parcels_file(folder / "地块.geojson", 60_000), folder / "地块.zip")
    checks: list[tuple[str, bool]] = []
    with (
        small_volume(folder / "web", 32) as web,
        small_volume(folder / "work", 8) as work,
        demo_database("drill_disk") as database,
    ):
        (web / "media").mkdir()
        (web / "tmp").mkdir()
        env.update(DATABASE_URL=database, MEDIA_ROOT=str(web / "media"))
        token = planner_with_a_published_layer(env, small)
        published, revisions = layer_state(database)
        with (
            gunicorn({**env, "TMPDIR": str(web / "tmp")}) as upstream,
            nginx(upstream) as port,
            job_worker({**env, "TMPDIR": str(work)}, folder / "worker.log"),
        ):
            base = f"http://127.0.0.1:{port}"
            print("\nvolumes: web tier 32 MB (media and temporary files), worker scratch 8 MB")

            jobs = upload_jobs(database)
            status, body = post_upload(base, token, LAYER, huge)
            print(f"1. {huge.stat().st_size / 1e6:.0f} MB GeoJSON to the API: {status} {body}")
            left = files_in(web, work)
            print(f"   left on the volumes: {left}")
            checks += [
                ("1: 507 with a plain message", status == 507 and "存储空间" in body["detail"]),
                ("1: nothing left on the volumes", left == []),
                ("1: no upload job written", upload_jobs(database) == jobs),
            ]

            status, body = post_upload(base, token, LAYER, archive)
            job = wait_for_state(base, token, body.get("id", 0), ("done", "failed"), seconds=180)
            errors = [p["message"] for p in job.get("problems", []) if p["severity"] == "error"]
            print(
                f"2. {archive.stat().st_size / 1e6:.1f} MB zip (unpacks to 14 MB): {status}, "
                f"job {job.get('state')}: {errors}"
            )
            left = files_in(web / "tmp", work) + [
                f for f in files_in(web / "media") if "/uploads/" in f
            ]
            checks += [
                (
                    "2: accepted, then failed in the worker",
                    status == 202 and job["state"] == "failed",
                ),
                ("2: the plain disk-full message", any("空间" in e for e in errors)),
                ("2: nothing left on the volumes", left == []),
            ]
            served = request(base, f"/tiles/{LAYER}.json")[0]
        checks += [
            ("the published revision unchanged", layer_state(database) == (published, revisions)),
            ("the layer still served", served == 200),
        ]
    shutil.rmtree(folder, ignore_errors=True)
    return report_checks(checks)


if __name__ == "__main__":
    raise SystemExit(main())
