"""Drill: the database server restarts in the middle of an upload and of comment traffic.

``.venv/bin/python drills/postgres_restart.py [--parcels 60000] [--after 20]``

Starts a PostgreSQL cluster of its own (drills/_cluster.py: the portal's cluster and its tests
are never touched), a database with the demo plan, gunicorn and the job worker as `make run`
starts them. Then:

1. 4 residents post comments without pause (form token, then the comment), each from an
   address of its own, and a watcher asks /healthz every 0.1 s;
2. a planner uploads a new revision of a published layer of parcels (made by ``import_layer``
   at the start: 50 parcels), --parcels square parcels in the plan area, through the API;
3. when the job is writing the revision, the cluster is restarted (fast shutdown: every
   session is cut, as on a crash or a failover) and traffic goes on for --after seconds.

It prints the outage as /healthz saw it, the residents' answers, and checks: every comment
acknowledged with 201 is in the database; the upload ended as failed with a plain message (or
done), never half-written (the layer's revisions are whole or absent); the published revision
is served before and after; gunicorn was not restarted; the job worker, which stops when it
loses its database, is started again as systemd and scripts/serve.sh do, and a second upload
after the restart goes through. Exit status 1 if a check fails.
"""

import argparse
import tempfile
import threading
import time
from pathlib import Path

from _clients import post_comment, post_upload, request
from _cluster import private_cluster
from _scene import (
    LAYER,
    layer_state,
    parcels_file,
    planner_with_a_published_layer,
    wait_for_state,
)
from _stack import (
    demo_database,
    gunicorn,
    job_worker,
    open_consultation,
    production_environment,
    report_checks,
    stored_receipts,
)


class Traffic:
    """Residents posting comments, and a watcher of /healthz, until stopped."""

    def __init__(self, base: str, consultation: int, residents: int = 4):
        self.base, self.consultation = base, consultation
        self.answers: list[tuple[float, str, str]] = []  # (time, status, receipt)
        self.health: list[tuple[float, str]] = []
        self.running = True
        self.threads = [
            threading.Thread(target=self.resident, args=(n,), daemon=True) for n in range(residents)
        ]
        self.threads.append(threading.Thread(target=self.watch, daemon=True))
        for thread in self.threads:
            thread.start()

    def resident(self, number: int) -> None:
        sent = 0
        while self.running:
            sent += 1
            address = f"10.99.{number}.{sent % 250 + 1}"
            try:
                status, receipt = post_comment(
                    self.base, self.consultation, address, f"演练：数据库重启期间的意见 {sent}"
                )
                status = str(status)
            except OSError as error:
                status, receipt = type(error).__name__, ""
            self.answers.append((time.monotonic(), status, receipt))

    def watch(self) -> None:
        while self.running:
            try:
                status = str(request(self.base, "/healthz", timeout=5)[0])
            except OSError as error:
                status = type(error).__name__
            self.health.append((time.monotonic(), status))
            time.sleep(0.1)

    def stop(self) -> None:
        self.running = False
        for thread in self.threads:
            thread.join(timeout=30)


def outage(health: list[tuple[float, str]], restart_at: float) -> tuple[float, int]:
    """Seconds from the restart to the first 200 after a failure (0 when none failed), and
    how many probes failed."""
    after = [(t, s) for t, s in health if t >= restart_at]
    failed = [t for t, s in after if s != "200"]
    if not failed:
        return 0.0, 0
    recovered = next((t for t, s in after if t > failed[-1] and s == "200"), None)
    return ((recovered or after[-1][0]) - restart_at), len(failed)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parcels", type=int, default=60_000)
    parser.add_argument("--after", type=float, default=20)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="drill-restart-"))
    env = production_environment(folder)
    large = parcels_file(folder / "地块.geojson", min(options.parcels, 200_000))
    small = parcels_file(folder / "小地块.geojson", 50)
    checks: list[tuple[str, bool]] = []

    with private_cluster() as cluster, demo_database("drill_restart", cluster.port) as database:
        env["DATABASE_URL"] = database
        token = planner_with_a_published_layer(env, small)
        consultation = open_consultation(database)
        published_before, revisions_before = layer_state(database)
        with gunicorn(env) as port, job_worker(env, folder / "worker.log") as worker:
            base = f"http://127.0.0.1:{port}"
            tiles_before = request(base, f"/tiles/{LAYER}.json")[0]
            traffic = Traffic(base, consultation)
            status, job = post_upload(base, token, LAYER, large)
            writing = wait_for_state(base, token, job["id"], ("running",), stage="writing")
            restart_at = time.monotonic()
            cluster.restart()
            restarted = time.monotonic() - restart_at
            time.sleep(options.after)
            traffic.stop()
            ended = wait_for_state(base, token, job["id"], ("done", "failed"), seconds=420)
            second = post_upload(base, token, LAYER, small)[1]
            second = wait_for_state(base, token, second["id"], ("done", "failed"), seconds=120)
            tiles_after = request(base, f"/tiles/{LAYER}.json")[0]
            worker_restarts = worker.restarts
        published_after, revisions_after = layer_state(database)
        receipts = [r for _, s, r in traffic.answers if s == "201"]
        stored = stored_receipts(database, receipts)

    seconds, failed_probes = outage(traffic.health, restart_at)
    statuses: dict[str, int] = {}
    for _, status, _ in traffic.answers:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"\nPostgreSQL restart (fast) while an upload of {options.parcels} parcels was at")
    at = f"'{writing.get('stage')}' {writing.get('percent')} %"
    print(f"{at}; pg_ctl restart took {restarted:.1f} s")
    print(f"/healthz: {failed_probes} probes failed, answering 200 again {seconds:.1f} s after")
    print(f"residents' comments: {statuses}; 201 acknowledged {len(receipts)}, stored {stored}")
    problems = [
        p.get("message", "") for p in ended.get("problems", []) if p.get("severity") == "error"
    ][:1]
    print(f"upload: {ended.get('state')} {problems or ended.get('error', '')}")
    print(
        f"second upload after the restart: {second.get('state')}; "
        f"job worker started again {worker_restarts} times"
    )
    print(f"layer revisions before {revisions_before}, after {revisions_after}")
    checks += [
        ("every 201 is stored", stored == len(receipts) > 0),
        ("the upload ended (failed or done)", ended.get("state") in ("failed", "done")),
        ("no half-written revision", all(n == f for _, n, f in revisions_after)),
        ("the published revision stayed", published_after == published_before),
        ("the layer was served before and after", tiles_before == tiles_after == 200),
        ("the portal recovered without a restart", traffic.health[-1][1] == "200"),
        ("the job worker recovered", second.get("state") == "done"),
    ]
    return report_checks(checks)


if __name__ == "__main__":
    raise SystemExit(main())
