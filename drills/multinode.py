"""Drill: more than one machine, on this one. A primary and a streaming replica, pgbouncer, two
app nodes and two job workers behind nginx, under the load drill's load; one app node and
then the replica are killed while it runs.

``.venv/bin/python drills/multinode.py [--viewers 500] [--minutes 3]``

What it starts (and takes down again): a PostgreSQL cluster of its own (the primary) with the
demonstration plan, a second cluster made from it by pg_basebackup that streams its WAL (hot
standby), pgbouncer in front of both with deploy/pgbouncer.ini (transaction pooling), two
gunicorn nodes as `make run` starts them (public reads from the replica through the router
of planportal/db_router.py, writes to the primary), two job workers connected to the primary
directly, a media folder both nodes and workers share, and nginx with the shipped server
rules and an upstream of both nodes (deploy/nginx-planportal.conf describes it).

Under the load of drills/load.py (--viewers map viewers, ten residents sending an opinion
every 2 s, all through nginx):

1. at a third of the run a planner publishes a layer's revisions through node A, six times
   (2, 1, 2, ...), and node B is asked directly every 50 ms until every answer of its TileJSON
   or of a tile (the processes' kept layer lookup) shows each one;
2. at half of the run node A is killed (SIGKILL to gunicorn and its workers): nginx finds it
   gone and sends everything to node B;
3. at 70 % the replica is stopped at once (immediate shutdown, as a crash): each web process
   finds it gone on its next public read, answers that request from the primary and reads
   from the primary from then on.

It prints Locust's figures, the errors in the seconds after each kill (while nginx and the
web processes fail over) and after them, p95, the replica's lag (pg_stat_replication: replay
lag and bytes) and the load average, with checks: every publish seen on node B within 2 s,
no error once failed over (FAILOVER_SECONDS after each kill), the replica served the public
reads while it ran, every 201 stored, p95 of the map page < 2 s and of the comment POST < 1 s,
the replica's lag under 1 s. Exit status 1 if a check fails.
"""

import argparse
import csv
import json
import math
import os
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from _clients import SLUG, request
from _cluster import private_cluster
from _replication import (
    LagSampler,
    pgbouncer,
    streaming_replica,
    transactions,
    wait_for_replay,
)
from _scene import LAYER, PLANNER, parcels_file, planner_with_a_published_layer
from _stack import (
    BY_FORWARDED_ADDRESS,
    demo_database,
    free_port,
    job_worker,
    manage,
    nginx,
    open_consultation,
    production_environment,
    report_checks,
    start_gunicorn,
    stop,
    stored_receipts,
)
from load import print_stats, read_failures, read_stats, row, run_locust

DATABASE = "drill_multinode"
# Seconds after a kill in which errors count as the failover's own: nginx leaves a node out
# after its first failed connection, a web process leaves the replica after its first failed
# read; requests under way at the moment of the kill may fail.
FAILOVER_SECONDS = 5
PUBLISH_SEEN_WITHIN = 2.0
# Where drills/_scene.py puts its parcels.
PARCELS_AT = (111.5002, 37.0302)


class Node:
    """One app node: gunicorn as `make run` starts it, on a port of its own."""

    def __init__(self, name: str, env: dict):
        self.name, self.port = name, free_port()
        self.server = start_gunicorn(self.port, env=env)
        self.base = f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """As a machine that is gone: gunicorn and its workers at once, no goodbye."""
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait()

    def stop(self) -> None:
        stop(self.server)


@contextmanager
def app_node(name: str, env: dict):
    node = Node(name, env)
    try:
        yield node
    finally:
        node.stop()


def tilejson_tiles(base: str) -> str:
    status, body = request(base, f"/tiles/{LAYER}.json")
    return json.loads(body)["tiles"][0] if status == 200 else f"http {status}"


def parcels_tile(zoom: int = 16) -> str:
    lon, lat = PARCELS_AT
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/{LAYER}/{zoom}/{x}/{y}.mvt"


def tile_etag(base: str) -> str:
    """The ETag of the parcels' tile, addressed without a version (as a kept lookup serves
    it)."""
    try:
        with urllib.request.urlopen(base + parcels_tile(), timeout=10) as answer:
            return answer.headers.get("ETag", "")
    except urllib.error.HTTPError as error:
        return f"http {error.code}"


def publish(base: str, token: str, number: int) -> int:
    status, _ = request(
        base,
        f"/api/layers/{LAYER}/revisions/{number}/publish/",
        data=json.dumps({"acknowledge_overlaps": True}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    return status


def publish_seen_on_other_node(a: Node, b: Node, token: str, rounds: int = 6) -> dict:
    """Seconds from each publish through node A until node B shows it to every request (inf
    when not within 10 s): B is asked every 50 ms for at least 3 s, each time on a new
    connection (its gunicorn workers take turns), and the time is that of the first answer
    after which no old one came. Watched: a tile's ETag (each web process keeps its layer
    lookup for up to LAYER_LOOKUP_SECONDS, then reads the replica) and the TileJSON (read from
    the replica every time). A TileJSON request refreshes its process's lookup, so each
    publish watches one of the two: the tile first, then TileJSON, in turn."""
    seen: dict[str, list[float]] = {"tile": [], "TileJSON": []}
    for n in range(rounds):
        number = 2 if n % 2 == 0 else 1
        what, ask = ("tile", tile_etag) if n % 2 == 0 else ("TileJSON", tilejson_tiles)
        before = ask(b.base)
        if publish(a.base, token, number) != 200:
            seen[what].append(float("inf"))
            continue
        published = time.monotonic()
        settled = None
        while time.monotonic() < published + 10:
            asked = time.monotonic()
            if ask(b.base) == before:
                settled = None
            elif settled is None:
                settled = asked - published
            if settled is not None and asked > published + 3:
                break
            time.sleep(0.05)
        seen[what].append(settled if settled is not None else float("inf"))
        time.sleep(1)
    return seen


def failures_per_second(folder: Path) -> list[tuple[float, int]]:
    """(unix time, failures in that second) from Locust's history of the whole run."""
    with (folder / "load_stats_history.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Name"] == "Aggregated"]
    out, before = [], 0
    for r in rows:
        total = int(r["Total Failure Count"])
        out.append((float(r["Timestamp"]), total - before))
        before = total
    return out


def errors_around(failures: list[tuple[float, int]], kills: list[float]) -> tuple[int, int]:
    """Errors within FAILOVER_SECONDS after a kill (+1 s for Locust's one-second rows), and
    errors at any other time."""
    during = sum(n for t, n in failures if any(k <= t <= k + FAILOVER_SECONDS + 1 for k in kills))
    return during, sum(n for _, n in failures) - during


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=3)
    options = parser.parse_args()
    seconds = options.minutes * 60
    begun = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="drill-multinode-"))
    folder.chmod(0o755)  # nginx's workers read the static files collected in it
    env = production_environment(folder)
    media = Path(env["MEDIA_ROOT"])  # what every node and worker reaches (NFS, or S3)
    receipts_file = folder / "receipts.txt"
    # Django's connections use UTC: with the server's default the same, Django sends no SET
    # TIME ZONE on each new connection (a session setting, as transaction pooling goes).
    timezone = {"timezone": "'UTC'"}

    with (
        private_cluster(timezone) as primary,
        demo_database(DATABASE, primary.port, media) as direct,
        streaming_replica(primary) as replica,
        pgbouncer(
            {
                "planportal": f"host=127.0.0.1 port={primary.port} dbname={DATABASE}",
                "planportal_replica": f"host=127.0.0.1 port={replica.port} dbname={DATABASE}",
            }
        ) as pooler,
    ):
        worker_env = {**env, "DATABASE_URL": direct}
        web_env = {
            **env,
            "DATABASE_URL": f"postgis://planportal@127.0.0.1:{pooler}/planportal",
            "REPLICA_DATABASE_URL": f"postgis://planportal@127.0.0.1:{pooler}/planportal_replica",
            "DATABASE_TRANSACTION_POOLING": "1",
        }
        token = planner_with_a_published_layer(worker_env, parcels_file(folder / "a.geojson", 50))
        manage(
            worker_env, "import_layer", SLUG, LAYER, str(parcels_file(folder / "b.geojson", 64)),
            "--key", "BSM", "--actor", PLANNER,
        )  # fmt: skip
        consultation = open_consultation(direct)
        wait_for_replay(primary, replica)
        with (
            app_node("A", web_env) as a,
            app_node("B", web_env) as b,
            nginx(
                [a.port, b.port],
                connections=4096,
                static=folder / "static",
                address_key=BY_FORWARDED_ADDRESS,
            ) as port,
            job_worker(worker_env, folder / "worker-1.log"),
            job_worker(worker_env, folder / "worker-2.log"),
        ):
            lag = LagSampler(primary)
            served_before = transactions(replica, DATABASE)
            primary_before = transactions(primary, DATABASE)
            load_before = os.getloadavg()
            locust = threading.Thread(
                target=run_locust,
                args=(
                    f"http://127.0.0.1:{port}",
                    options.viewers + 10,
                    options.minutes,
                    folder,
                    {
                        "LOAD_CONSULTATION": str(consultation),
                        "LOAD_RECEIPTS": str(receipts_file),
                    },
                    "--csv-full-history",
                ),
                kwargs={"spawn_seconds": min(60, seconds / 3)},
            )
            started = time.monotonic()
            set_up = started - begun
            locust.start()
            time.sleep(seconds / 3)
            seen = publish_seen_on_other_node(a, b, token)
            time.sleep(max(0, started + seconds / 2 - time.monotonic()))
            node_killed = time.time()
            node_killed_at = time.monotonic() - started
            a.kill()
            time.sleep(max(0, started + seconds * 0.7 - time.monotonic()))
            served_by_replica = transactions(replica, DATABASE) - served_before
            served_by_primary = transactions(primary, DATABASE) - primary_before
            replica_killed = time.time()
            replica_killed_at = time.monotonic() - started
            replica.ctl("stop", "-m", "immediate")
            locust.join()
            load_after = os.getloadavg()
            lag.stop()
        receipts = receipts_file.read_text().split() if receipts_file.exists() else []
        stored = stored_receipts(direct, receipts)

    stats = read_stats(folder)
    total = row(stats, "Aggregated")
    requests = int(total.get("Request Count", 0))
    during, after = errors_around(failures_per_second(folder), [node_killed, replica_killed])
    page, post = row(stats, "page: map"), row(stats, "comment POST")
    alive = [(s, n) for t, s, n in lag.samples if t <= replica_killed]
    lag_seconds = [s for s, _ in alive]
    lag_bytes = [n for _, n in alive]
    print(
        f"\nMore than one machine: {options.viewers} map viewers and 5 opinions/s for "
        f"{options.minutes:g} min through nginx, two app nodes, pgbouncer, a primary and a "
        f"streaming replica, two job workers"
    )
    print_stats(stats)
    for failure in read_failures(folder)[:10]:
        print(f"  failure: {failure['Name']}: {failure['Error'][:120]} x{failure['Occurrences']}")
    for what, waited in seen.items():
        shown = ", ".join(f"{s:.2f}" for s in waited)
        print(f"publish on node A seen on node B ({what}) after: {shown} s")
    print(
        f"set up in {set_up:.0f} s\n"
        f"errors: {during} within {FAILOVER_SECONDS} s of a kill (node A at "
        f"{node_killed_at:.0f} s, the replica at {replica_killed_at:.0f} s), {after} at any "
        f"other time, of {requests} requests\n"
        f"transactions until the replica was stopped: {served_by_replica} on the replica, "
        f"{served_by_primary} on the primary; replica lag p95 "
        f"{percentile(lag_seconds, 0.95) * 1000:.0f} ms, "
        f"max {max(lag_seconds, default=0) * 1000:.0f} ms, "
        f"max {max(lag_bytes, default=0)} bytes behind\n"
        f"opinions: {len(receipts)} acknowledged with 201, {stored} stored\n"
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} cores)\n"
        f"Locust's log and CSV files, the workers' logs: {folder}"
    )
    checks = [
        (
            f"every publish seen on the other node within {PUBLISH_SEEN_WITHIN:g} s",
            all(seen.values()) and max(max(s) for s in seen.values()) <= PUBLISH_SEEN_WITHIN,
        ),
        ("no error once nginx and the web processes failed over", after == 0),
        ("the replica served the public's reads", served_by_replica > 100),
        ("every 201 is stored", stored == len(receipts) > 0),
        ("p95 of the map page < 2 s", 0 < int(page.get("95%", 10**9)) < 2000),
        ("p95 of the comment POST < 1 s", 0 < int(post.get("95%", 10**9)) < 1000),
        ("replica lag under 1 s", bool(lag_seconds) and max(lag_seconds) < 1),
    ]
    return report_checks(checks)


if __name__ == "__main__":
    raise SystemExit(main())
