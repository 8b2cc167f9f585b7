"""While the database refuses connections (a restart, a failover), the portal answers 503
with Retry-After and a plain message, never a 500: pages in Chinese, the API in JSON. Real
HTTP to the live gunicorn, whose connections are really refused by PostgreSQL."""

import json
import urllib.error
import urllib.request
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import DEMO_SLUG

pytestmark = pytest.mark.django_db


@contextmanager
def database_refusing_connections():
    """No new session for the application's role (CONNECTION LIMIT 0, which binds every
    role but superusers) and its open ones, but the test's, ended: what gunicorn meets
    during a restart. Through a connection of the owner's in autocommit: the test's own is
    inside a transaction that nobody else sees."""
    name = connection.settings_dict["NAME"]
    owner = {**connection.settings_dict, **(settings.DATABASE_OWNER or {})}
    # The owner of the database: only it may change the database's connection limit.
    with psycopg.connect(
        dbname=name,
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"],
        port=owner["PORT"],
        autocommit=True,
    ) as admin:
        admin.execute(f'ALTER DATABASE "{name}" CONNECTION LIMIT 0')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND usename = %s AND pid <> %s",
            [name, connection.settings_dict["USER"], connection.connection.info.backend_pid],
        )
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" CONNECTION LIMIT -1')


def fetch(url: str, **headers):
    request = urllib.request.Request(url, headers={"Accept-Language": "zh-hans", **headers})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_pages_and_the_api_answer_503_while_the_database_is_away(live_url):
    with database_refusing_connections():
        page = fetch(f"{live_url}/plans/{DEMO_SLUG}/")
        api = fetch(f"{live_url}/api/plans/", Accept="application/json")
        health = fetch(f"{live_url}/healthz")

    status, headers, body = page
    assert status == 503 and headers["Retry-After"] == "10"
    assert "平台暂时无法连接数据库，您的请求未能完成" in body and "请稍后重试" in body
    assert "no-store" in headers["Cache-Control"]
    status, headers, body = api
    assert status == 503 and headers["Retry-After"] == "10"
    assert json.loads(body)["detail"].startswith("平台暂时无法连接数据库")
    assert health[0] == 503

    # Back at once, without a restart of gunicorn.
    assert fetch(f"{live_url}/plans/{DEMO_SLUG}/")[0] == 200
