"""What the drills start on this machine, and take down again: a throwaway database with the
demonstration plan, gunicorn as `make run` starts it, and nginx with the shipped server rules
(deploy/nginx-planportal-server.conf) in front of it."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from _server import free_port, start_gunicorn, stop  # noqa: E402

PYTHON = str(REPO / ".venv/bin/python")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DATABASE_HOST = os.environ.get("PGHOST", "127.0.0.1")


def database_url(name: str) -> str:
    return f"postgis://planportal@{DATABASE_HOST}:5432/{name}"


@contextmanager
def demo_database(name: str):
    """A database of its own, from the template the tests use, migrated and with the demo
    plan loaded; dropped afterwards. Nothing a drill writes reaches the portal's database."""
    base = ["-h", DATABASE_HOST, "-U", "planportal"]
    subprocess.run(["dropdb", *base, "--if-exists", name], check=True)
    subprocess.run(["createdb", *base, "-T", "template_postgis", name], check=True)
    try:
        env = {**os.environ, "DATABASE_URL": database_url(name)}
        for command in (["migrate", "--noinput", "-v", "0"], ["load_demo_plan"]):
            subprocess.run(
                [PYTHON, "manage.py", *command],
                cwd=REPO,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        yield database_url(name)
    finally:
        subprocess.run(["dropdb", *base, "--if-exists", "--force", name], check=False)


def collect_static(env: dict) -> None:
    """Static files as production serves them (DEBUG off: WhiteNoise's hashed, compressed
    names), into the STATIC_ROOT of the drill's settings."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env={**os.environ, **env},
        check=True,
    )


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
    limit_conn_zone $binary_remote_addr zone=planportal_addr:10m;
    upstream planportal {{ server 127.0.0.1:{upstream}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        include {repo}/deploy/nginx-planportal-server.conf;
    }}
}}
"""


@contextmanager
def nginx(upstream: int, connections: int = 768):
    """nginx in the foreground of a folder of its own, with Debian's default worker
    connections unless told, in front of gunicorn on ``upstream``."""
    if not Path(NGINX).exists():
        sys.exit("nginx is missing: run `bash scripts/install-system.sh --drill` (or make drills).")
    folder = Path(tempfile.mkdtemp(prefix="drill-nginx-"))
    folder.chmod(0o755)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(
        NGINX_CONF.format(
            folder=folder, connections=connections, upstream=upstream, port=port, repo=REPO
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
