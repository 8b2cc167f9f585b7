"""What the drills start on this machine, and take down again: a throwaway database with the
demonstration plan, gunicorn as `make run` starts it, and nginx with the shipped server rules
(deploy/nginx-planportal-server.conf) in front of it."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from _server import free_port, start_gunicorn, stop  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

PYTHON = str(REPO / ".venv/bin/python")

# Production settings (DEBUG off: hashed, compressed static files in a folder of the drill's),
# as deploy/planportal.env gives them, with the drill's own address handling.
SETTINGS_OVERLAY = """
from planportal.settings import *  # noqa: F403

# nginx appends the client's address to what the drill's residents send in X-Forwarded-For:
# two hops make each resident count as its own address.
TRUSTED_PROXY_HOPS = 2
COMMENT_MIN_FILL_SECONDS = 0
STATIC_ROOT = {static!r}
"""


def production_environment(folder: Path) -> dict[str, str]:
    """The environment of the drill's servers: production settings with the overlay above,
    the static files collected for them, and a media folder of their own in ``folder`` (what
    they store never reaches the media that `make run` serves)."""
    media = folder / "media"
    media.mkdir(exist_ok=True)
    (folder / "drill_settings.py").write_text(
        SETTINGS_OVERLAY.format(static=str(folder / "static"))
    )
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
        "MEDIA_ROOT": str(media),
    }
    collect_static(env)
    return env


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DATABASE_HOST = os.environ.get("PGHOST", "127.0.0.1")


def database_url(name: str, port: int = 5432) -> str:
    return f"postgis://planportal@{DATABASE_HOST}:{port}/{name}"


@contextmanager
def demo_database(name: str, port: int = 5432, media_root: Path | None = None):
    """A database of its own on the server at ``port`` (the local cluster, or a drill's own:
    drills/_cluster.py), from the template the tests use, migrated and with the demo plan
    loaded; dropped afterwards. Nothing a drill writes reaches the portal's database, nor its
    media: the demo plan's document goes to ``media_root`` (the drill servers' own), or to a
    folder removed afterwards."""
    base = ["-h", DATABASE_HOST, "-p", str(port), "-U", "planportal"]
    subprocess.run(["dropdb", *base, "--if-exists", name], check=True)
    subprocess.run(["createdb", *base, "-T", "template_postgis", name], check=True)
    scratch = None if media_root else Path(tempfile.mkdtemp(prefix="drill-media-"))
    try:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(name, port),
            "MEDIA_ROOT": str(media_root or scratch),
        }
        for command in (["migrate", "--noinput", "-v", "0"], ["load_demo_plan"]):
            subprocess.run(
                [PYTHON, "manage.py", *command],
                cwd=REPO,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        yield database_url(name, port)
    finally:
        subprocess.run(["dropdb", *base, "--if-exists", "--force", name], check=False)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def collect_static(env: dict) -> None:
    """Static files as production serves them (DEBUG off: WhiteNoise's hashed, compressed
    names), into the STATIC_ROOT of the drill's settings."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env={**os.environ, **env},
        check=True,
    )


class JobWorker:
    """The job worker as scripts/serve.sh runs it: started again 2 s after it stops (as
    systemd's Restart=always does in production), until the drill ends. ``restarts`` counts
    how often that was needed."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.restarts = 0
        self.running = True
        self.process = self._start()
        self.thread = threading.Thread(target=self._supervise, daemon=True)
        self.thread.start()

    def _start(self) -> subprocess.Popen:
        with self.log.open("ab") as output:
            return subprocess.Popen(
                [PYTHON, "manage.py", "procrastinate", "worker"],
                cwd=REPO,
                env={**os.environ, **self.env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _supervise(self) -> None:
        while self.running:
            if self.process.poll() is not None and self.running:
                time.sleep(2)
                self.restarts += 1
                self.process = self._start()
            time.sleep(0.2)

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=5)
        stop(self.process)


@contextmanager
def job_worker(env: dict, log: Path):
    worker = JobWorker(env, log)
    try:
        yield worker
    finally:
        worker.stop()


def manage(env: dict, *arguments: str) -> str:
    """Output of a manage.py command run with the drill's environment."""
    done = subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=REPO,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


@contextmanager
def gunicorn(env: dict):
    port = free_port()
    server = start_gunicorn(port, env=env)
    try:
        yield port
    finally:
        stop(server)


NGINX_CONF = """
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    limit_conn_zone {address_key} zone=planportal_addr:10m;
    proxy_cache_path {folder}/cache levels=1:2 keys_zone=planportal_cache:20m
                     max_size=1g inactive=1d use_temp_path=off;
    upstream planportal {{ {servers} keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        set $planportal_static {static};
        include {repo}/deploy/nginx-planportal-server.conf;
    }}
}}
"""


# Which address each connection counts against (limit_conn): the connection's own, as in
# production, or, for drills whose simulated residents each name their address in
# X-Forwarded-For while all connecting from 127.0.0.1, that header.
BY_CONNECTION = "$binary_remote_addr"
BY_FORWARDED_ADDRESS = "$http_x_forwarded_for"


# One line per app node, as deploy/nginx-planportal.conf describes more than one: a node that
# refuses or drops a connection is left out for a few seconds (passive failover).
UPSTREAM_SERVER = "server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;"


@contextmanager
def nginx(
    upstream: int | list[int],
    connections: int = 768,
    static: Path | None = None,
    address_key: str = BY_CONNECTION,
):
    """nginx in the foreground of a folder of its own, with Debian's default worker
    connections unless told, in front of gunicorn on ``upstream`` (a port, or the ports of
    several app nodes), serving the static files collected in ``static`` (a drill's
    STATIC_ROOT; none by default, so the portal answers)."""
    if not Path(NGINX).exists():
        sys.exit("nginx is missing: run `bash scripts/install-system.sh --drill` (or make drills).")
    folder = Path(tempfile.mkdtemp(prefix="drill-nginx-"))
    folder.chmod(0o755)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(
        NGINX_CONF.format(
            folder=folder,
            connections=connections,
            servers=" ".join(
                UPSTREAM_SERVER.format(port=p)
                for p in (upstream if isinstance(upstream, list) else [upstream])
            ),
            port=port,
            repo=REPO,
            static=static or folder / "no-static-files",
            address_key=address_key,
        )
    )
    server = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def open_consultation(database: str) -> int:
    with psycopg.connect(database.replace("postgis://", "postgresql://")) as connection:
        row = connection.execute(
            "SELECT id FROM consultation_consultation "
            "WHERE opens_at <= now() AND closes_at > now() ORDER BY id LIMIT 1"
        ).fetchone()
    if row is None:
        sys.exit("The demo database has no open consultation.")
    return row[0]


def stored_receipts(database: str, receipts: list[str]) -> int:
    """How many of the acknowledged receipt codes are in the database."""
    with psycopg.connect(database.replace("postgis://", "postgresql://")) as connection:
        return connection.execute(
            "SELECT count(*) FROM consultation_comment WHERE receipt_code = ANY(%s)", [receipts]
        ).fetchone()[0]


def report_checks(checks: list[tuple[str, bool]]) -> int:
    """Prints each check of a drill; the exit status: 0 when all passed, else 1."""
    for name, ok in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(ok for _, ok in checks) else 1
