"""gunicorn for the benchmarks: started as `make run` starts it (its settings from
gunicorn.conf.py, plus any arguments given) on a free loopback port, and stopped again."""

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, *arguments: str, env: dict | None = None) -> subprocess.Popen:
    """gunicorn serving on ``port`` once /healthz answers 200 on every worker (see
    all_workers_serving). Its log goes to a file: a pipe nobody reads would block the
    workers."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open while gunicorn writes to it)
    server = subprocess.Popen(
        [str(REPO / ".venv/bin/gunicorn"), "planportal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + list(arguments),
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited: {log.read().decode(errors='replace')}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                probe.close()
                all_workers_serving(port)
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop(server: subprocess.Popen, how: int = signal.SIGTERM, seconds: float = 15) -> None:
    """Sends ``how``, and kills the process when it has not ended ``seconds`` later."""
    if server.poll() is None:
        server.send_signal(how)
        try:
            server.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def serve_environment() -> dict[str, str]:
    """What scripts/serve.sh adds to the environment of `make run` (scripts/serve.env, DEBUG
    off among them), for each variable the environment does not set, as serve.sh does, and a
    secret key of the run's own where none is set (serve.sh keeps one per checkout)."""
    env = {}
    for line in (REPO / "scripts" / "serve.env").read_text().splitlines():
        name, _, value = line.partition("=")
        name = name.strip()
        if name and not name.startswith("#") and name not in os.environ:
            env[name] = value.strip()
    if not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
        env["SECRET_KEY"] = secrets.token_urlsafe(40)
    return env


def all_workers_serving(port: int, in_a_row: int = 30, deadline_s: float = 60) -> float:
    """Seconds until ``in_a_row`` new connections in a row get /healthz within half a second.
    One worker answering is not enough: each worker has a socket of its own
    (SO_REUSEPORT) and the others may still be importing Django for seconds, holding the
    connections the kernel gave them: bench/province.py's first tile phase measured that (p50
    8 ms, p95 2.5-3 s at z10 in two runs)."""
    started = time.perf_counter()
    fast = 0
    while fast < in_a_row and time.perf_counter() - started < deadline_s:
        asked = time.perf_counter()
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # a new connection
        with contextlib.suppress(OSError):
            probe.request("GET", "/healthz")
            probe.getresponse().read()
        probe.close()
        fast = fast + 1 if time.perf_counter() - asked < 0.5 else 0
    return time.perf_counter() - started
