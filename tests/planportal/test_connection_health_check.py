"""A persistent connection the server has ended (a restart, a failover, an administrator) is
replaced before a request uses it (planportal/db_backend: the health check without a round
trip), so the request after it still succeeds. Real HTTP to a gunicorn whose connections
live on between requests; the server really ends them."""

import json
import time
import urllib.request

import pytest
from django.db import connection

from planportal.db_backend.base import DatabaseWrapper
from tests.conftest import gunicorn_serving, server_database_url, server_environment

pytestmark = pytest.mark.django_db
APPLICATION_NAME = "health-check-test"


@pytest.fixture(scope="module")
def persistent_server(django_db_setup):
    """One worker, one thread: every request reuses the one connection, kept for a minute."""
    env = server_environment(
        DATABASE_URL=f"{server_database_url()}?application_name={APPLICATION_NAME}",
        DATABASE_CONN_MAX_AGE="60",
    )
    with gunicorn_serving(env, "--workers", "1", "--threads", "1") as base:
        yield base


def end_server_sessions() -> int:
    """Ends the server's sessions as a restart or a failover does (pg_terminate_backend: the
    server sends its termination message and closes the socket). The application's role may
    end its own sessions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [APPLICATION_NAME],
        )
        ended = [pid for pid, _ in cursor.fetchall()]
    wait_until_gone(ended)
    return len(ended)


def wait_until_gone(pids: list[int]) -> None:
    """pg_terminate_backend only signals: the session ends (and closes its socket) a moment
    later."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # The test's transaction would otherwise keep reading its first snapshot.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"sessions {pids} still there")


def plans(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/plans/", timeout=20) as answer:
        assert answer.status == 200
        return len(json.loads(answer.read()))


def test_a_connection_the_server_ended_is_replaced_before_the_next_request(persistent_server):
    first = plans(persistent_server)
    assert end_server_sessions() == 1  # the worker's connection outlived its request
    assert plans(persistent_server) == first
    assert plans(persistent_server) == first


def test_an_idle_open_connection_is_usable_and_an_ended_one_is_not():
    wrapper = DatabaseWrapper(connection.settings_dict)
    wrapper.connect()
    try:
        assert wrapper.is_usable()
        backend = wrapper.connection.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
        wait_until_gone([backend])
        # The server's termination message and the closed socket arrive at once.
        assert not wrapper.is_usable()
    finally:
        wrapper.close()
