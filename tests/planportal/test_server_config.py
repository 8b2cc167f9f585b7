"""gunicorn as gunicorn.conf.py sets it up for `make run`: the access log it writes, the
guard that keeps a second server off a port already served (each worker binds the port
itself, with SO_REUSEPORT, which would otherwise let two servers share it silently), and the
workers' malloc settings."""

import datetime
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from planportal.access_log import AccessLogger, access_line
from tests.conftest import (
    REPO,
    free_port,
    server_database_url,
    server_environment,
    wait_until_serving,
)

TIMESTAMP = "[25/Nov/2026:16:00:00 +0000]"


class Response:
    """What gunicorn's loggers read of a response."""

    def __init__(self, status, sent, headers=()):
        self.status, self.sent, self.headers = status, sent, list(headers)


def environ(**values: str) -> dict:
    base = {
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/tiles/yangquanqu-yjjbnt/14/13300/6240.mvt?v=1-ab",
        "PATH_INFO": "/tiles/yangquanqu-yjjbnt/14/13300/6240.mvt",
        "QUERY_STRING": "v=1-ab",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": 'Mozilla/5.0 (Linux; Android 14) "quoted"',
    }
    return {**base, **values}


def gunicorns_line(response: Response, env: dict) -> str:
    """The line gunicorn's own logger formats for the same request, at TIMESTAMP."""
    logger = Logger(Config())
    logger.now = lambda: TIMESTAMP
    request = [(name[5:].replace("_", "-"), v) for name, v in env.items() if name[:5] == "HTTP_"]
    atoms = logger.atoms(response, request, env, datetime.timedelta(microseconds=700))
    return Config().access_log_format % logger.atoms_wrapper_class(atoms)


@pytest.mark.parametrize(
    ("response", "env"),
    [
        (Response("304 Not Modified", 0), environ()),
        (Response("200 OK", 11306), environ(HTTP_REFERER="http://127.0.0.1:8000/plans/x/map/")),
        (Response(204, None), environ(REQUEST_METHOD="HEAD", HTTP_USER_AGENT="")),
        (Response("404 Not Found", 179), {k: v for k, v in environ().items() if "AGENT" not in k}),
        (Response("400 Bad Request", 12), environ(RAW_URI="/api/comments/?q=%E6%9D%91")),
    ],
)
def test_the_access_line_is_gunicorns_default_line(response, env):
    assert access_line(response, env, TIMESTAMP) == gunicorns_line(response, env)


def test_a_basic_auth_user_name_is_not_logged():
    env = environ(HTTP_AUTHORIZATION="Basic " + "d2FuZ3dlaTpzZWNyZXQ=")  # wangwei:secret
    response = Response("200 OK", 5)

    assert " wangwei " in gunicorns_line(response, env)
    assert "wangwei" not in access_line(response, env, TIMESTAMP)


def test_another_log_format_is_left_to_gunicorn(tmp_path):
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", "%(m)s %(U)s %({if-none-match}i)s")
    logger = AccessLogger(config)

    env = environ(HTTP_IF_NONE_MATCH='"abc"')
    request = [("IF-NONE-MATCH", '"abc"')]
    logger.access(Response("304 Not Modified", 0), request, env, datetime.timedelta(0))

    logged = (tmp_path / "access.log").read_text()
    assert logged == 'GET /tiles/yangquanqu-yjjbnt/14/13300/6240.mvt \\"abc\\"\n'


def start_server(port: int, **env: str) -> subprocess.Popen:
    """gunicorn as scripts/serve.sh starts it, its settings all from gunicorn.conf.py (on the
    test database when given as DATABASE_URL)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "planportal.wsgi"],
        cwd=REPO,
        env=server_environment(PORT=str(port), WEB_CONCURRENCY="2", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=15)


@pytest.fixture(scope="module")
def served(tmp_path_factory, django_db_setup):
    """A server as `make run` starts it, on the test database, its access log in a file."""
    access_log = tmp_path_factory.mktemp("server") / "access.log"
    port = free_port()
    server = start_server(
        port,
        GUNICORN_ACCESS_LOG=str(access_log),
        DATABASE_URL=server_database_url(),
        DATABASE_CONN_MAX_AGE="0",
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/healthz", server)
        yield port, access_log, server
    finally:
        stop_server(server)


def logged_lines(log: Path, marker: str, seconds: float = 10) -> list[str]:
    """The lines of ``log`` with ``marker``, once there is one: gunicorn writes a request's
    line after the response has gone out, so the client may read the file before it."""
    deadline = time.monotonic() + seconds
    while True:
        lines = [line for line in log.read_text().splitlines() if marker in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


@pytest.mark.django_db
def test_every_request_is_written_to_the_access_log(served):
    port, access_log, _ = served
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz?from=test", headers={"User-Agent": "access-log-test"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    ours = logged_lines(access_log, "access-log-test")
    assert len(ours) == 1
    pattern = (
        r"^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "
        r'"GET /healthz\?from=test HTTP/1\.1" 200 \d+ "-" "access-log-test"$'
    )
    assert re.match(pattern, ours[0]), ours[0]


def refused_start(port: int) -> tuple[int, str]:
    """Exit status and error output of a server started on ``port``, which should not start;
    one that does start anyway is stopped after 30 s and fails the test."""
    server = start_server(port)
    try:
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            stop_server(server)
    return server.returncode, server.stderr.read().decode()


@pytest.mark.django_db
def test_a_second_server_on_a_served_port_refuses_to_start(served):
    port, _, first = served

    status, errors = refused_start(port)

    assert status != 0
    assert f"127.0.0.1:{port}" in errors
    assert first.poll() is None  # the first server still serves
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        assert response.status == 200


def test_a_port_held_by_another_program_is_refused_too():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()

        status, errors = refused_start(holder.getsockname()[1])

    assert status != 0
    assert "Address already in use" in errors


# What a worker does with the memory of one large answer (a page of features: a few blocks of
# a few hundred kB, freed when it is sent) before the next, in a process of its own: the minor
# page faults of each further answer, with gunicorn.conf.py's post_fork or with the mmap
# threshold alone (as before the trim threshold was set).
LARGE_ANSWERS = """
import ctypes, resource, runpy, sys
config = runpy.run_path("gunicorn.conf.py")
if sys.argv[1] == "post_fork":
    config["post_fork"](None, None)
else:
    ctypes.CDLL("libc.so.6").mallopt(config["M_MMAP_THRESHOLD"], config["MMAP_THRESHOLD_BYTES"])

def answer():
    blocks = [bytes(330_000) for _ in range(3)]
    return sum(map(len, blocks))

answer()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    answer()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


def faults_per_large_answer(settings: str) -> float:
    run = subprocess.run(
        [sys.executable, "-c", LARGE_ANSWERS, settings],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return float(run.stdout)


def test_a_worker_keeps_the_memory_of_a_large_answer_for_the_next_one():
    kept = faults_per_large_answer("post_fork")
    handed_back = faults_per_large_answer("mmap threshold only")

    # About 70 faults per answer when the freed blocks go back to the system (one per 4 kB
    # taken again), a few when they stay.
    assert handed_back > 40
    assert kept < handed_back / 4
