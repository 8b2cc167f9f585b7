"""Drill: a consultation week's load. 500 residents on the plan map and 5 opinions a second
for 10 minutes, through nginx and gunicorn, with the job worker running.

``.venv/bin/python drills/load.py [--viewers 500] [--minutes 10]``

Starts a database of its own with the demonstration plan (the portal's database is never
touched), gunicorn as `make run` starts it (gunicorn.conf.py), the job worker, and nginx with
the shipped server rules (deploy/nginx-planportal-server.conf). Locust (drills/_load_locustfile.py)
then runs --viewers map viewers, each a phone with an empty cache that opens the map (page,
style sheets and scripts, the GeoJSON of the layers it opens with), pans and zooms (tiles),
switches layers on (GeoJSON, TileJSON and tiles) and leaves after 10-30 actions for a new
viewer to arrive, plus ten residents sending one opinion every 2 s each (the form token, then
the comment). A sampler counts the database's connections every second.

It prints Locust's figures per kind of request, the peak of database connections against
max_connections, the machine's load, and checks: p95 of the map page < 2 s, p95 of the comment
POST < 1 s, errors < 0.1 %, the database never short of connections, every acknowledged (201)
opinion stored. Exit status 1 if a check fails.
"""

import argparse
import csv
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from _stack import (
    BY_FORWARDED_ADDRESS,
    REPO,
    demo_database,
    gunicorn,
    job_worker,
    nginx,
    open_consultation,
    production_environment,
    report_checks,
    stored_receipts,
)

LOCUST = str(REPO / ".venv/bin/locust")
# Viewers arrive over the first minute, as a WeChat push spreads.
SPAWN_SECONDS = 60


# All of the server's (max_connections is the server's), and the drill's database's own.
CLIENT_CONNECTIONS = """
SELECT count(*), count(*) FILTER (WHERE datname = current_database())
FROM pg_stat_activity WHERE backend_type = 'client backend'
"""


class ConnectionSampler:
    """The database server's client connections, counted once a second."""

    def __init__(self, database: str):
        self.url = database.replace("postgis://", "postgresql://")
        self.counts: list[tuple[int, int]] = []  # (server, drill's database)
        self.running = True
        with psycopg.connect(self.url) as connection:
            self.limit = int(connection.execute("SHOW max_connections").fetchone()[0])
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            while self.running:
                self.counts.append(tuple(connection.execute(CLIENT_CONNECTIONS).fetchone()))
                time.sleep(1)

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=5)


def run_locust(
    base: str,
    users: int,
    minutes: float,
    folder: Path,
    env: dict,
    *extra: str,
    spawn_seconds: float = SPAWN_SECONDS,
) -> int:
    """Locust's run (its exit status), its CSV files in ``folder``; ``extra``: more of its
    options."""
    spawn_rate = max(1, round(users / spawn_seconds))
    command = [
        LOCUST, "-f", str(REPO / "drills/_load_locustfile.py"), "--headless",
        "--host", base, "--users", str(users), "--spawn-rate", str(spawn_rate),
        "--run-time", f"{int(minutes * 60)}s", "--stop-timeout", "30",
        "--csv", str(folder / "load"), "--only-summary", "--loglevel", "WARNING", *extra,
    ]  # fmt: skip
    with (folder / "locust.log").open("wb") as log:
        return subprocess.run(
            command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, check=False
        ).returncode


def read_stats(folder: Path) -> list[dict]:
    with (folder / "load_stats.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_failures(folder: Path) -> list[dict]:
    path = folder / "load_failures.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def row(stats: list[dict], name: str) -> dict:
    return next((r for r in stats if r["Name"] == name), {})


def print_stats(stats: list[dict]) -> None:
    print(f"{'request':<22}{'count':>9}{'fail':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}")
    for r in stats:
        print(
            f"{r['Name']:<22}{r['Request Count']:>9}{r['Failure Count']:>7}"
            f"{float(r['Requests/s']):>8.1f}{r['50%']:>7}{r['95%']:>7}{r['99%']:>7}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="drill-load-"))
    env = production_environment(folder)
    folder.chmod(0o755)  # nginx's workers read the static files collected in it
    receipts_file = folder / "receipts.txt"

    with demo_database("drill_load") as database:
        env["DATABASE_URL"] = database
        consultation = open_consultation(database)
        with (
            gunicorn(env) as upstream,
            nginx(
                upstream,
                connections=4096,
                static=folder / "static",
                address_key=BY_FORWARDED_ADDRESS,
            ) as port,
            job_worker(env, folder / "worker.log") as worker,
        ):
            sampler = ConnectionSampler(database)
            load_before = os.getloadavg()
            started = time.monotonic()
            status = run_locust(
                f"http://127.0.0.1:{port}",
                options.viewers + 10,  # the ten residents who comment
                options.minutes,
                folder,
                {"LOAD_CONSULTATION": str(consultation), "LOAD_RECEIPTS": str(receipts_file)},
            )
            elapsed = time.monotonic() - started
            load_after = os.getloadavg()
            sampler.stop()
            worker_restarts = worker.restarts
        receipts = receipts_file.read_text().split() if receipts_file.exists() else []
        stored = stored_receipts(database, receipts)

    stats = read_stats(folder)
    total = row(stats, "Aggregated")
    requests = int(total.get("Request Count", 0))
    failures = int(total.get("Failure Count", 0))
    error_rate = failures / requests if requests else 1.0
    page, post = row(stats, "page: map"), row(stats, "comment POST")
    peak = max((server for server, _ in sampler.counts), default=0)
    own = max((mine for _, mine in sampler.counts), default=0)
    print(
        f"\nLoad: {options.viewers} map viewers and 5 opinions/s for {elapsed / 60:.1f} min "
        f"through nginx and gunicorn (locust exit status {status})"
    )
    print_stats(stats)
    for failure in read_failures(folder)[:10]:
        print(f"  failure: {failure['Name']}: {failure['Error'][:120]} x{failure['Occurrences']}")
    print(f"errors: {failures} of {requests} requests ({error_rate:.3%})")
    print(
        f"database connections: peak {peak} on the server (max_connections {sampler.limit}), "
        f"{own} to the drill's database"
    )
    print(f"opinions: {len(receipts)} acknowledged with 201, {stored} stored")
    print(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} cores); job worker restarts {worker_restarts}"
    )
    print(f"Locust's log and CSV files: {folder}")
    checks = [
        ("p95 of the map page < 2 s", 0 < int(page.get("95%", 10**9)) < 2000),
        ("p95 of the comment POST < 1 s", 0 < int(post.get("95%", 10**9)) < 1000),
        ("errors < 0.1 %", error_rate < 0.001),
        ("the database never ran short of connections", peak < sampler.limit - 3),
        ("every 201 is stored", stored == len(receipts) > 0),
    ]
    return report_checks(checks)


if __name__ == "__main__":
    raise SystemExit(main())
