"""Drill: slow clients against the shipped nginx rules and gunicorn.

``.venv/bin/python drills/slow_clients.py [--seconds 120] [--slow-body 200] [--slow-header 200]``

Starts a throwaway database with the demo plan (drills/_stack.py), gunicorn as `make run`
starts it and nginx with deploy/nginx-planportal-server.conf in front. Then, for --seconds:

- the attack, from 127.0.0.2: --slow-body connections that announce a 100 kB comment and
  send it one byte every 4 s, and --slow-header connections that send one header line every
  4 s (the audit's slowloris: 30 slow bodies took the portal down when nginx streamed bodies
  to gunicorn);
- residents, from 127.0.0.1: every 0.25 s one of GET /healthz, GET the map page, or POST a
  comment through the JSON API (each with a form token of its own, and an address of its own
  in X-Forwarded-For so the per-address comment limit is not what is measured).

It prints, per kind of resident request: count, p50, p95, max, statuses; and how many attack
connections nginx refused (429) or held. It passes when every kind answers with p95 under
1 s and no request failed. Everything it started is stopped and the database dropped.
"""

import argparse
import json
import math
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from _stack import REPO, collect_static, demo_database, gunicorn, nginx

SLUG = "yangquanqu-2021-2035"
ATTACKER = "127.0.0.2"
TRICKLE_SECONDS = 4
GOAL_P95_SECONDS = 1.0

# Production settings (DEBUG off: hashed, compressed static files in a folder of the drill's).
SETTINGS_OVERLAY = """
from planportal.settings import *  # noqa: F403

# nginx appends the client's address to what the drill's residents send in X-Forwarded-For:
# two hops make each resident count as its own address.
TRUSTED_PROXY_HOPS = 2
COMMENT_MIN_FILL_SECONDS = 0
"""


class Attack:
    """Slow connections from the attacker's address, kept trickling until stopped."""

    def __init__(self, port: int, bodies: int, headers: int):
        self.port = port
        self.sockets: list[tuple[socket.socket, bytes]] = []
        self.refused = 0
        self.closed = 0
        self.running = True
        for kind, count in (("body", bodies), ("header", headers)):
            for _ in range(count):
                self.open(kind)
        self.thread = threading.Thread(target=self.trickle, daemon=True)
        self.thread.start()

    def open(self, kind: str) -> None:
        connection = socket.create_connection(
            ("127.0.0.1", self.port), timeout=5, source_address=(ATTACKER, 0)
        )
        if kind == "body":
            connection.sendall(
                b"POST /api/consultations/1/comments/ HTTP/1.1\r\nHost: drill\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
            )
            self.sockets.append((connection, b" "))
        else:
            connection.sendall(f"GET /plans/{SLUG}/ HTTP/1.1\r\nHost: drill\r\n".encode())
            self.sockets.append((connection, b"X-Drill: slow\r\n"))

    def trickle(self) -> None:
        while self.running:
            for connection, byte in list(self.sockets):
                try:
                    connection.sendall(byte)
                except OSError:
                    self.sockets.remove((connection, byte))
                    self.closed += 1
            time.sleep(TRICKLE_SECONDS)

    def held(self) -> int:
        """Connections nginx still holds open (not answered 429 and closed)."""
        held = 0
        for connection, _ in self.sockets:
            connection.setblocking(False)
            try:
                data = connection.recv(64)
                if data.startswith(b"HTTP/1.1 429"):
                    self.refused += 1
                elif data:
                    held += 1
            except BlockingIOError:
                held += 1
            except OSError:
                pass
        return held

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=TRICKLE_SECONDS + 1)
        for connection, _ in self.sockets:
            connection.close()


class Residents:
    def __init__(self, base: str, consultation: int):
        self.base = base
        self.consultation = consultation
        self.samples: dict[str, list[tuple[float, str]]] = {"healthz": [], "map": [], "comment": []}
        self.count = 0

    def request(self, kind: str) -> None:
        self.count += 1
        address = f"10.88.{self.count // 250}.{self.count % 250 + 1}"
        started = time.perf_counter()
        try:
            if kind == "healthz":
                status = self.get("/healthz", address)
            elif kind == "map":
                status = self.get(f"/plans/{SLUG}/map/", address)
            else:
                status = self.comment(address)
        except (OSError, urllib.error.URLError) as error:
            status = type(error).__name__
        self.samples[kind].append((time.perf_counter() - started, str(status)))

    def get(self, path: str, address: str, data=None, headers=None):
        request = urllib.request.Request(
            self.base + path,
            data=data,
            headers={"X-Forwarded-For": address, **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                self.last = answer.read()
                return answer.status
        except urllib.error.HTTPError as error:
            self.last = error.read()
            return error.code

    def comment(self, address: str):
        """A form token, then the comment: one resident's whole submission, timed as one."""
        self.get(f"/api/consultations/{self.consultation}/form/", address)
        token = json.loads(self.last)["form_token"]
        body = {
            "body": "演练：慢速连接期间提交的意见。",
            "stance": "suggest",
            "consent_privacy": True,
            "form_token": token,
        }
        return self.get(
            f"/api/consultations/{self.consultation}/comments/",
            address,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
        )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else 0.0


def open_consultation(database: str) -> int:
    import psycopg

    with psycopg.connect(database.replace("postgis://", "postgresql://")) as connection:
        row = connection.execute(
            "SELECT id FROM consultation_consultation "
            "WHERE opens_at <= now() AND closes_at > now() ORDER BY id LIMIT 1"
        ).fetchone()
    if row is None:
        sys.exit("The demo database has no open consultation.")
    return row[0]


def report(residents: Residents, attack: Attack, seconds: float) -> bool:
    print(f"\nslow clients for {seconds:.0f} s: residents' requests through nginx")
    print(f"{'request':<10}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  statuses")
    passed = True
    for kind, samples in residents.samples.items():
        times = [t for t, _ in samples]
        statuses: dict[str, int] = {}
        for _, status in samples:
            statuses[status] = statuses.get(status, 0) + 1
        p95 = percentile(times, 0.95)
        good = {"200", "201"}
        failed = sum(n for s, n in statuses.items() if s not in good)
        ok = p95 < GOAL_P95_SECONDS and failed == 0 and bool(samples)
        passed &= ok
        print(
            f"{kind:<10}{len(samples):>7}{percentile(times, 0.5) * 1000:>9.0f}"
            f"{p95 * 1000:>9.0f}{max(times, default=0) * 1000:>9.0f}  {statuses}"
            f"  {'ok' if ok else 'MISS'}"
        )
    held = attack.held()
    print(
        f"attack: {len(attack.sockets) + attack.closed} slow connections opened, "
        f"{held} still held by nginx, {attack.refused} refused with 429, "
        f"{attack.closed} closed by nginx"
    )
    print("PASS" if passed else "FAIL", f"(goal: p95 < {GOAL_P95_SECONDS:.0f} s, no failure)")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--slow-body", type=int, default=200)
    parser.add_argument("--slow-header", type=int, default=200)
    options = parser.parse_args()
    seconds = min(options.seconds, 600)

    folder = Path(tempfile.mkdtemp(prefix="drill-settings-"))
    overlay = SETTINGS_OVERLAY + f"STATIC_ROOT = {str(folder / 'static')!r}\n"
    (folder / "drill_settings.py").write_text(overlay)
    env = {
        "DJANGO_SETTINGS_MODULE": "drill_settings",
        "PYTHONPATH": os.pathsep.join([str(folder), str(REPO)]),
        "DEBUG": "0",
        "SECRET_KEY": "drill-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,drill",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "GUNICORN_ACCESS_LOG": "",
    }
    collect_static(env)
    with demo_database(f"drill_slow_{os.getpid()}") as database:
        consultation = open_consultation(database)
        with gunicorn({**env, "DATABASE_URL": database}) as upstream, nginx(upstream) as port:
            base = f"http://127.0.0.1:{port}"
            residents = Residents(base, consultation)
            attack = Attack(port, options.slow_body, options.slow_header)
            kinds = ["healthz", "map", "comment"]
            deadline = time.monotonic() + seconds
            turn = 0
            while time.monotonic() < deadline:
                residents.request(kinds[turn % 3])
                turn += 1
                time.sleep(0.25)
            passed = report(residents, attack, seconds)
            attack.stop()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
