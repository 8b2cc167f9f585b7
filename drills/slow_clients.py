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
import math
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from _clients import SLUG, post_comment, request
from _stack import demo_database, gunicorn, nginx, open_consultation, production_environment

ATTACKER = "127.0.0.2"
TRICKLE_SECONDS = 4
GOAL_P95_SECONDS = 1.0


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
                status = request(self.base, "/healthz", address=address)[0]
            elif kind == "map":
                status = request(self.base, f"/plans/{SLUG}/map/", address=address)[0]
            else:
                text = "演练：慢速连接期间提交的意见。"
                status = post_comment(self.base, self.consultation, address, text)[0]
        except OSError as error:
            status = type(error).__name__
        self.samples[kind].append((time.perf_counter() - started, str(status)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else 0.0


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

    env = production_environment(Path(tempfile.mkdtemp(prefix="drill-settings-")))
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
