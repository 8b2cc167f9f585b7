"""Photo flood drill: twelve large photos at once against gunicorn, and the workers' memory.

``.venv/bin/python bench/photo_flood.py [--keep-database]``

- Database: a scratch database of its own (``planportal_photo_drill_<pid>``, created from
  ``template_postgis`` on the server of ``DATABASE_URL`` and migrated), with one test plan and
  an open consultation; dropped at the end. The local database itself is never written, and
  the photos stored go to a scratch MEDIA_ROOT, removed at the end.
- Server: gunicorn as ``make run`` starts it (gunicorn.conf.py: 3 gthread workers x 4
  threads) with the portal's settings, except: one trusted proxy hop, so each client speaks
  for an address of its own (X-Forwarded-For), no minimum fill time, and a per-address limit
  of 2 comments an hour, so one address is over its limit after two comments.
- Rounds, each 12 POSTs at once from 12 threads, each with its own form token (GET /form/):
  1. ``over limit``: one address already at its limit sends a 24 MP JPEG twelve times: 429
     before any decode is the goal;
  2. ``40 MP PNG``: twelve addresses with room send a 40 MP PNG (6000 x 6600 RGBA, the
     audit's X5 file): refused from its header;
  3. ``24 MP JPEG``: twelve addresses send a 6000 x 4000 JPEG (the cap for JPEG, decoded at
     half scale) and 4. ``8 MP PNG``: a 3264 x 2448 RGBA PNG (the cap for PNG and WebP,
     decoded at full size): every one is decoded, shrunk and stored, at most
     COMMENT_PHOTO_DECODES_PER_PROCESS at a time per worker.
- Measured: statuses, wall time of the round, and the workers' resident memory (the sum of
  VmRSS of gunicorn's workers, sampled every 20 ms): before, peak during, after. Goal: the
  peak stays under 1 GiB in every round.

The machine has two cores shared with PostgreSQL and anything else running: timings are
indicative, memory is the figure that matters.
"""

import argparse
import base64
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _server import free_port, serve_environment, start_gunicorn, stop  # noqa: E402

GOAL_BYTES = 1024**3
THREADS = 12


def scratch_database_url() -> tuple[str, str, str]:
    """(admin URL on the ``postgres`` database, scratch URL, scratch name). The database is
    made by the role that runs the migrations (MIGRATION_DATABASE_URL, else the
    application's), so that it owns the schema it migrates."""
    base = os.environ.get(
        "DATABASE_URL", "postgis://planportal:planportal@127.0.0.1:5432/planportal"
    )
    parts = urlsplit(base)
    name = f"planportal_photo_drill_{os.getpid()}"
    owner = urlsplit(os.environ.get("MIGRATION_DATABASE_URL") or base)
    admin = urlunsplit(("postgresql", owner.netloc, "/postgres", "", ""))
    return admin, urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", "")), name


def psql(admin_url: str, statement: str) -> None:
    subprocess.run(["psql", admin_url, "-qAtc", statement], check=True)


def prepare_database(url: str) -> int:
    """Migrates the scratch database and makes an open consultation; its id."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "planportal.settings"}
    manage = [str(REPO / ".venv/bin/python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=REPO, env=env, check=True)
    script = (
        "from tests.factories import make_plan, make_consultation;"
        "print(make_consultation(make_plan()).pk)"
    )
    made = subprocess.run(
        [*manage, "shell", "-c", script], cwd=REPO, env=env, check=True, capture_output=True
    )
    return int(made.stdout.decode().split()[-1])


# -- the photos --------------------------------------------------------------------------------


def photo_data_url(width: int, height: int, format: str) -> str:
    from PIL import Image

    mode = "RGBA" if format == "PNG" else "RGB"
    image = Image.new(mode, (width, height), (120, 160, 90, 255)[: len(mode)])
    image.paste((30, 60, 200, 255)[: len(mode)], (0, 0, width // 2, height // 3))
    out = io.BytesIO()
    image.save(out, format)
    return f"data:image/{format.lower()};base64," + base64.b64encode(out.getvalue()).decode()


# -- the server's memory -----------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except FileNotFoundError:
            continue
    return total


class MemoryWatch:
    def __init__(self, master: int):
        self.pids = worker_pids(master)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pids))
            time.sleep(0.02)

    def __enter__(self):
        self.peak = rss_bytes(self.pids)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# -- the clients ------------------------------------------------------------------------------


def post_comment(port: int, consultation: int, address: str, photo: str | None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"X-Forwarded-For": address}
    connection.request("GET", f"/api/consultations/{consultation}/form/", headers=headers)
    token = json.loads(connection.getresponse().read())["form_token"]
    body = {"body": "路口需要一盏路灯。", "stance": "suggest", "consent_privacy": True}
    body["form_token"] = token
    if photo:
        body["photo"] = photo
    headers["Content-Type"] = "application/json"
    path = f"/api/consultations/{consultation}/comments/"
    connection.request("POST", path, body=json.dumps(body).encode(), headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def round_of(port, consultation, addresses: list[str], photo: str | None) -> tuple[dict, float]:
    statuses: list[int] = []
    lock = threading.Lock()

    def send(address):
        status = post_comment(port, consultation, address, photo)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=send, args=(a,)) for a in addresses]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts: dict[int, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts, time.monotonic() - started


def mib(value: int) -> str:
    return f"{value / 1024**2:,.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep-database", action="store_true")
    options = parser.parse_args()
    admin, url, name = scratch_database_url()
    psql(admin, f"CREATE DATABASE {name} TEMPLATE template_postgis")
    # The photos the server stores go to a folder of the drill's own, not to the media that
    # `make run` serves; removed with the database.
    media = tempfile.mkdtemp(prefix="photo-drill-media-")
    server = None
    try:
        consultation = prepare_database(url)
        port = free_port()
        env = {
            **serve_environment(),
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "planportal.settings",
            "PORT": str(port),
            "GUNICORN_ACCESS_LOG": "",
            "TRUSTED_PROXY_HOPS": "1",
            "COMMENT_MIN_FILL_SECONDS": "0",
            "COMMENT_RATE_PER_IP": "2/3600",
            "MEDIA_ROOT": media,
        }
        server = start_gunicorn(port, env=env)
        big = photo_data_url(6000, 6600, "PNG")
        jpeg = photo_data_url(6000, 4000, "JPEG")
        png = photo_data_url(3264, 2448, "PNG")
        # Warm-up: every worker imports what a photo comment needs (Pillow included).
        small = photo_data_url(800, 600, "PNG")
        round_of(port, consultation, [f"10.88.9.{n}" for n in range(THREADS)], small)
        for _ in range(2):  # 10.88.0.1 reaches its limit of 2
            post_comment(port, consultation, "10.88.0.1", None)
        rounds = [
            ("over limit, 24 MP", ["10.88.0.1"] * THREADS, jpeg),
            ("40 MP PNG", [f"10.88.1.{n}" for n in range(THREADS)], big),
            ("24 MP JPEG", [f"10.88.2.{n}" for n in range(THREADS)], jpeg),
            ("8 MP PNG", [f"10.88.3.{n}" for n in range(THREADS)], png),
        ]
        print(f"{'round':<20} {'statuses':<18} {'seconds':>8} {'before':>10} {'peak':>10}")
        worst = 0
        for label, addresses, photo in rounds:
            with MemoryWatch(server.pid) as watch:
                before = watch.peak
                counts, seconds = round_of(port, consultation, addresses, photo)
            worst = max(worst, watch.peak)
            shown = ", ".join(f"{status}x{count}" for status, count in sorted(counts.items()))
            print(f"{label:<20} {shown:<18} {seconds:8.2f} {mib(before):>10} {mib(watch.peak):>10}")
        verdict = "OK" if worst < GOAL_BYTES else "MISS"
        print(f"peak RSS of the workers: {mib(worst)} (goal < {mib(GOAL_BYTES)}): {verdict}")
        return 0 if worst < GOAL_BYTES else 1
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(media, ignore_errors=True)
        if not options.keep_database:
            psql(admin, f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    sys.exit(main())
