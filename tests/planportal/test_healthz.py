"""``/healthz``: 200 while the database answers, 503 when it does not."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import free_port, server_environment

REPO = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_it_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_the_database_is_down():
    """A real gunicorn server whose database port has nothing listening."""
    dead_port, web_port = free_port(), free_port()
    env = server_environment(
        DATABASE_URL=f"postgis://planportal:planportal@127.0.0.1:{dead_port}/planportal",
        DATABASE_CONNECT_TIMEOUT="2",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "planportal.wsgi", "--bind", f"127.0.0.1:{web_port}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        status, body = None, b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=10):
                    status = 200
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            except OSError:
                time.sleep(0.2)
                continue
            break
        assert status == 503, server.stderr
        assert b'"database": "down"' in body
    finally:
        server.terminate()
        server.wait(timeout=10)
