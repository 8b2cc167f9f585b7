"""Comment submission benchmark: POST /api/consultations/{id}/comments/ through gunicorn.

Run after ``make run`` has loaded the demo plan (``make bench`` does):
``.venv/bin/python bench/comments.py [--requests 4000] [--seconds 60] [--floor 4000]
[--workers N] [--threads N] [--photos] [--profile FILE]``.

- Data: the local database (``DATABASE_URL``). A consultation of its own ("bench: comments")
  on the first published plan; it and every comment it gets are deleted at the end.
- Server: gunicorn as ``make run`` starts it: the environment scripts/serve.sh adds
  (scripts/serve.env: DEBUG off), gunicorn.conf.py (3 threaded workers x 4 threads, access
  log; ``--workers``/``--threads`` override), on a loopback port, with a settings module
  layered over planportal.settings through its environment (DJANGO_SETTINGS_MODULE,
  PYTHONPATH) that opens the limits for the run: rate limits and the challenge threshold out
  of reach, no minimum fill time, one trusted proxy hop so each client speaks for an address
  of its own (X-Forwarded-For 10.77.0.N), as many residents would. The checks themselves
  (counts, locks, tokens, the digest's unique index) still run for every comment.
- Clients: 8 threads, each with its own keep-alive HTTP/1.1 connection; each comment has a
  form token of its own (a token carries one comment). A seeded mix of comments:
  40% on a section, 25% a drawn point, 10% a drawn area, 15% a feature of a published layer
  (tiles-only farmland included), the rest on the whole plan; half with a phone number; 3% are
  sent twice with the same Idempotency-Key. ``--photos`` adds an 800x600 JPEG to 10%. Every
  request body is built (and its token signed) before the clock starts, so the clients' CPU
  is the HTTP exchange alone.
- Floor, in the same run: the database alone storing comments (bench/_comment_floor.py: one
  INSERT ... RETURNING + COMMIT per comment into the same table, 8 connections), before and
  after the portal; the portal's rate is compared with their mean.
- Measured after 100 unmeasured comments (imports, connections, PostGIS loaded in each
  worker): acknowledged (new, 201) comments per second, latency percentiles of every request,
  statuses, the CPU each part used per comment (clients, gunicorn, its PostgreSQL backends,
  the rest of the machine) and the load average; then the rows in the database are counted
  against the distinct receipts acknowledged with 201, and every repeat must have had its
  first receipt. Goal: >= 400 comments/s, p99 < 250 ms.
- Bounded: at most --requests comments (<= 20000) and --seconds (<= 300) of sending.
  A slow run is reported (MISS); a lost or doubled comment makes the script exit with 1.

The machine has two cores shared by gunicorn, PostgreSQL and the client threads, and by
anything else running: read the ratio to the floor and the CPU per comment, and repeat a run
before trusting a difference.
"""

import argparse
import base64
import http.client
import io
import json
import math
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")
# The bench signs the form tokens its gunicorn checks: both use the run's own key.
if not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(40)

import _pyspy  # noqa: E402
import django  # noqa: E402
from _comment_floor import FLOOR_CLIENT_KEY, floor, run_together  # noqa: E402
from _cpu import CPUWatch, children  # noqa: E402
from _server import free_port, serve_environment, start_gunicorn, stop  # noqa: E402

django.setup()

from _database import vacuum  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from consultation.models import Comment, Consultation  # noqa: E402
from consultation.periods import lawful_close  # noqa: E402
from layers.models import Feature, Layer  # noqa: E402
from planportal.models import Plan, Section  # noqa: E402
from planportal.versions import current_version  # noqa: E402

CLIENTS = 8
LOCAL_DATABASE_URL = "postgis://planportal:planportal@127.0.0.1:5432/planportal"
WORKERS = 3  # as `make run` serves
WARM_UP = 100
SEED = 20231126
RATE_GOAL = 400.0  # acknowledged comments per second
P99_GOAL_MS = 250.0
REPEAT_SHARE = 0.03  # requests sent twice with the same Idempotency-Key
BENCH_TITLE = "bench: comments"
APPLICATION_NAME = "bench-comments"  # marks the server's database sessions

# The bench's gunicorn imports planportal.settings and then opens the limits; the proxy hop
# lets each client thread speak for its own address, as thousands of residents would.
SETTINGS_OVERLAY = """
from planportal.settings import *  # noqa: F403

COMMENT_RATE_PER_IP = (10**9, 3600)
COMMENT_BURST_PER_IP = (10**9, 60)
COMMENT_RATE_PER_PHONE = (10**9, 86400)
COMMENT_POW_AFTER = 10**9
COMMENT_MIN_FILL_SECONDS = 0
TRUSTED_PROXY_HOPS = 1
"""


@dataclass
class Sample:
    status: int
    ms: float
    receipt: str = ""
    replay_of: str = ""


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, q: float) -> float:
        times = sorted(s.ms for s in self.samples)
        return times[min(len(times) - 1, math.ceil(q * len(times)) - 1)] if times else 0.0


# -- the data ----------------------------------------------------------------------------------


def make_consultation() -> Consultation:
    plan = Plan.objects.public().order_by("pk").first()
    if plan is None:
        sys.exit("No published plan: run `make run` (or manage.py load_demo_plan) first.")
    remove_consultations()
    opens = timezone.now() - timedelta(hours=1)
    return Consultation.objects.create(
        plan=plan, title=BENCH_TITLE, opens_at=opens, closes_at=lawful_close(opens)
    )


def remove_consultations() -> int:
    removed = 0
    for consultation in Consultation.objects.filter(title=BENCH_TITLE):
        comments = Comment.objects.filter(consultation=consultation)
        for name in comments.exclude(photo="").values_list("photo", flat=True):
            Comment.photo.field.storage.delete(name)
        removed += comments.delete()[0]
        consultation.delete()
    # The feature table too: feature comments and the touches statement read it, and other
    # benchmarks' deleted layers leave dead rows there.
    vacuum(Comment, Consultation, Feature)
    return removed


def targets(plan: Plan, rng: random.Random) -> dict[str, list]:
    """What the comments point at: the plan's sections, features of its published layers
    (tiles-only ones included), and points inside its extent."""
    sections = list(
        Section.objects.filter(chapter__version=current_version(plan)).values_list(
            "number", flat=True
        )
    )
    features = []
    for layer in Layer.objects.public().filter(plan=plan).select_related("published_revision"):
        ids = list(
            layer.published_revision.features.order_by("pk").values_list("pk", flat=True)[:200]
        )
        features += [(layer.collection_id, fid) for fid in ids]
    points = []
    if plan.extent is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_X(g), ST_Y(g) FROM (SELECT (ST_Dump(ST_GeneratePoints("
                "ST_Buffer(extent, -0.002), 400, %s))).geom AS g FROM planportal_plan"
                " WHERE id = %s) AS p",
                [SEED, plan.pk],
            )
            points = cursor.fetchall()
    rng.shuffle(features)
    return {"sections": sections, "features": features, "points": points}


def small_photo() -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 160, 90)).save(out, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def comment_body(rng: random.Random, pool: dict, photo: str | None) -> dict:
    body = {
        "body": rng.choice(
            [
                "建议在村口增设公交站点，方便老人出行。",
                "反对在基本农田附近规划工业用地。",
                "支持镇政府驻地的排水改造，希望尽快实施。",
                "建议补充村内道路的硬化安排和时间表。",
            ]
        ),
        "stance": rng.choice(["support", "oppose", "suggest"]),
        "consent_privacy": True,
    }
    kind = rng.random()
    if kind < 0.40 and pool["sections"]:
        body["section"] = rng.choice(pool["sections"])
    elif kind < 0.65 and pool["points"]:
        lon, lat = rng.choice(pool["points"])
        body["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
    elif kind < 0.75 and pool["points"]:
        lon, lat = rng.choice(pool["points"])
        d = 0.0015
        ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
        body["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    elif kind < 0.90 and pool["features"]:
        collection_id, feature_id = rng.choice(pool["features"])
        body.update(collection_id=collection_id, feature_id=feature_id)
    if rng.random() < 0.5:
        body["phone"] = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
    if rng.random() < 0.3:
        body.update(name=rng.choice(["张三", "李四", "王五"]), consent_show_name=rng.random() < 0.5)
    if photo and rng.random() < 0.1:
        body["photo"] = photo
    return body


# -- the clients -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One comment as it goes on the wire (its form token signed in), and whether it is sent
    a second time with the same Idempotency-Key."""

    data: bytes
    key: str
    repeat: bool


def make_job(comment: dict, consultation_id: int, repeat: bool) -> Job:
    """A form token carries one comment: each comment gets its own, as if its form had been
    fetched before (signed here, with the server's key, to measure the POST alone)."""
    from consultation.abuse import issue_form_token

    token = issue_form_token(consultation_id)
    data = json.dumps({**comment, "form_token": token}).encode()
    return Job(data, uuid.uuid4().hex, repeat)


class Client:
    """One resident's phone: a keep-alive HTTP/1.1 connection that reconnects by itself when
    the server closes it, and an address of its own (X-Forwarded-For)."""

    def __init__(self, port: int, consultation_id: int, number: int):
        self.path = f"/api/consultations/{consultation_id}/comments/"
        self.address = f"10.77.0.{number + 1}"
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        # The form endpoint answers (its tokens are what this bench's process signs too).
        status, _ = self.request("GET", f"/api/consultations/{consultation_id}/form/")
        if status != 200:
            raise RuntimeError(f"the form endpoint answered {status}")

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = {"X-Forwarded-For": self.address, **(headers or {})}
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def post(self, job: Job) -> Sample:
        headers = {"Content-Type": "application/json", "Idempotency-Key": job.key}
        started = time.perf_counter()
        status, body = self.request("POST", self.path, job.data, headers)
        ms = (time.perf_counter() - started) * 1000
        receipt = json.loads(body).get("receipt_code", "") if status == 201 else ""
        return Sample(status, ms, receipt)

    def close(self):
        self.connection.close()


def run(clients: list[Client], jobs: list[Job], seconds: float) -> Run:
    """Each client takes the next job until none is left or time is up; a job marked as a
    repeat is sent a second time with the same key right after the first answer."""
    queue = list(reversed(jobs))
    lock = threading.Lock()
    result = Run()
    ready = threading.Barrier(len(clients) + 1)
    deadline = time.monotonic() + seconds

    def work(client: Client):
        ready.wait()
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            samples = [client.post(job)]
            if job.repeat:
                again = client.post(job)
                again.replay_of = samples[0].receipt
                samples.append(again)
            with lock:
                result.samples.extend(samples)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    result.seconds = run_together(threads, ready)
    return result


# -- the server ------------------------------------------------------------------------------


def start_server(port: int, workers, threads, folder: Path) -> subprocess.Popen:
    """gunicorn as `make run` starts it (scripts/serve.env, gunicorn.conf.py), with the
    bench's settings overlay (limits opened) and its database sessions named, so that their
    CPU can be told apart; ``workers`` and ``threads`` override gunicorn.conf.py's."""
    (folder / "bench_comment_settings.py").write_text(SETTINGS_OVERLAY)
    database = os.environ.get("DATABASE_URL", LOCAL_DATABASE_URL)
    joiner = "&" if "?" in database else "?"
    env = {
        **serve_environment(),
        "DJANGO_SETTINGS_MODULE": "bench_comment_settings",
        "PYTHONPATH": os.pathsep.join([str(folder), str(REPO)]),
        "DATABASE_URL": f"{database}{joiner}application_name={APPLICATION_NAME}",
    }
    arguments = [f"--workers={workers}"] if workers else []
    arguments += [f"--threads={threads}"] if threads else []
    return start_gunicorn(port, *arguments, env=env)


def server_processes(server: subprocess.Popen) -> dict[str, list[int]]:
    """gunicorn (master and workers) and the PostgreSQL backends of its sessions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APPLICATION_NAME]
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return {"gunicorn": [server.pid, *children(server.pid)], "database": backends}


# -- the report --------------------------------------------------------------------------------


@dataclass
class Floor:
    rates: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)

    def measure(self, consultation: Consultation, comments: int, points: list) -> None:
        rate, latencies = floor(consultation.pk, comments, CLIENTS, points)
        self.rates.append(rate)
        self.p50.append(latencies[len(latencies) // 2] if latencies else 0.0)
        self.p99.append(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))])
        print(
            f"  floor (INSERT ... RETURNING + COMMIT, {CLIENTS} connections): {rate:.0f}/s, "
            f"p50 {self.p50[-1]:.1f} ms, p99 {self.p99[-1]:.1f} ms",
            flush=True,
        )


def report(
    result: Run,
    consultation: Consultation,
    warm_receipts: set[str],
    floor_run: Floor,
    cpu: dict[str, float],
    loads: list[tuple[float, float, float]],
) -> bool:
    statuses: dict[int, int] = {}
    for sample in result.samples:
        statuses[sample.status] = statuses.get(sample.status, 0) + 1
    firsts = [s for s in result.samples if not s.replay_of and s.status == 201]
    replays = [s for s in result.samples if s.replay_of]
    acknowledged = {s.receipt for s in result.samples if s.status == 201} | warm_receipts
    portal_rows = Comment.objects.filter(consultation=consultation).exclude(
        client_key__startswith=FLOOR_CLIENT_KEY
    )
    rows = portal_rows.count()
    stored_receipts = set(portal_rows.values_list("receipt_code", flat=True))
    rate = len(firsts) / result.seconds if result.seconds else 0.0
    p99 = result.percentile(0.99)
    same_receipt = all(s.receipt == s.replay_of for s in replays if s.status == 201)
    floor_rate = statistics.fmean(floor_run.rates) if floor_run.rates else 0.0
    print(
        f"\n  requests {len(result.samples)} in {result.seconds:.1f} s "
        f"({len(firsts)} new comments, {len(replays)} repeated with the same key)"
    )
    print("  statuses: " + " ".join(f"{k}x{v}" for k, v in sorted(statuses.items())))
    print(
        f"  acknowledged comments/s {rate:.1f}   (goal >= {RATE_GOAL:.0f}); floor "
        f"{' / '.join(f'{r:.0f}' for r in floor_run.rates)}/s, portal / floor "
        f"{rate / floor_rate if floor_rate else 0:.3f}"
    )
    print(
        f"  latency ms: p50 {result.percentile(0.5):.1f}  p95 {result.percentile(0.95):.1f}  "
        f"p99 {p99:.1f}  max {max((s.ms for s in result.samples), default=0):.1f}  "
        f"mean {statistics.fmean(s.ms for s in result.samples) if result.samples else 0:.1f}"
        f"   (goal p99 < {P99_GOAL_MS:.0f})"
    )
    if result.samples:
        per = {k: 1000 * v / len(result.samples) for k, v in cpu.items()}
        share = cpu["machine"] / (result.seconds * (os.cpu_count() or 1)) * 100
        print(
            f"  CPU ms per request: gunicorn {per['gunicorn']:.2f}, its database sessions "
            f"{per['database']:.2f}, clients {per['clients']:.2f}, rest of the machine "
            f"{per['others']:.2f}; machine busy {share:.0f}%"
        )
    print(
        "  load average (1, 5, 15 min): "
        + " -> ".join(f"{one:.2f} {five:.2f} {fifteen:.2f}" for one, five, fifteen in loads)
    )
    print(
        f"  rows counted {rows}, acknowledged receipts {len(acknowledged)}, "
        f"every acknowledged receipt stored: {acknowledged <= stored_receipts}, "
        f"repeats answered with the same receipt: {same_receipt}"
    )
    stored_ok = rows == len(acknowledged) and acknowledged <= stored_receipts and same_receipt
    fast = rate >= RATE_GOAL and p99 < P99_GOAL_MS and statuses.keys() == {201}
    print(f"  speed: {'PASS' if fast else 'MISS'}   storage: {'PASS' if stored_ok else 'FAIL'}")
    return stored_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="comments to send (bounded)")
    parser.add_argument("--seconds", type=float, default=60, help="stop sending after this long")
    parser.add_argument("--floor", type=int, default=4000, help="rows per floor pass (0: none)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="threads per worker (gunicorn.conf.py's)")
    parser.add_argument("--photos", action="store_true", help="a 800x600 JPEG with 10%%")
    parser.add_argument(
        "--profile", type=Path, help="py-spy --gil of gunicorn's workers while measured, to FILE"
    )
    options = parser.parse_args()
    options.requests = max(1, min(options.requests, 20_000))
    options.floor = max(0, min(options.floor, 20_000))
    options.seconds = max(1.0, min(options.seconds, 300.0))

    rng = random.Random(SEED)
    loads = [os.getloadavg()]
    consultation = make_consultation()
    server = None
    clients: list[Client] = []
    stored_ok = False
    try:
        pool = targets(consultation.plan, rng)
        photo = small_photo() if options.photos else None
        print(
            f"plan {consultation.plan.slug}: {len(pool['sections'])} sections, "
            f"{len(pool['features'])} features, {len(pool['points'])} points to draw; gunicorn "
            f"{options.workers or 'default'} workers x {options.threads or 'default'} threads "
            f"(gunicorn.conf.py unless given), {CLIENTS} keep-alive "
            f"clients, {os.cpu_count()} CPUs, loopback; photos: {bool(photo)}"
        )

        def jobs(count: int) -> list[Job]:
            made = []
            for _ in range(count):
                comment = comment_body(rng, pool, photo)
                made.append(make_job(comment, consultation.pk, rng.random() < REPEAT_SHARE))
            return made

        floor_run = Floor()
        with tempfile.TemporaryDirectory() as folder:
            port = free_port()
            server = start_server(port, options.workers, options.threads, Path(folder))
            clients = [Client(port, consultation.pk, n) for n in range(CLIENTS)]
            # Warm up, unmeasured: every worker imports, connects and loads PostGIS once.
            warm = run(clients, jobs(WARM_UP), options.seconds)
            warm_receipts = {s.receipt for s in warm.samples if s.status == 201}
            measured = jobs(options.requests)
            if options.floor:
                floor_run.measure(consultation, options.floor, pool["points"])
            loads.append(os.getloadavg())
            watch = CPUWatch({"clients": [os.getpid()], **server_processes(server)})
            spy = _pyspy.start(server.pid, options.profile) if options.profile else None
            watch.start()
            result = run(clients, measured, options.seconds)
            cpu = watch.stop({"clients": [os.getpid()], **server_processes(server)})
            if options.profile:
                _pyspy.stop(spy, options.profile)
            loads.append(os.getloadavg())
            for client in clients:
                client.close()
            stop(server)
            server = None
            if options.floor:
                floor_run.measure(consultation, options.floor, pool["points"])
            stored_ok = report(result, consultation, warm_receipts, floor_run, cpu, loads)
    finally:
        if server is not None:
            stop(server)
        removed = remove_consultations()
        print(f"  cleaned up: {removed} bench rows removed")
    # A slow run is reported; a lost or doubled comment fails `make bench`.
    sys.exit(0 if stored_ok else 1)


if __name__ == "__main__":
    main()
