"""Shared fixtures.

The demonstration plan (text, indicators and map layers) is loaded once per test session into
the real PostGIS test database, committed, exactly as `make run` loads it. Tests that use `db`
run inside a transaction that is rolled back, so they may change what they like. Browser and
GDAL tests talk to `live_url`: a real gunicorn server on that same test database.

The people every room's tests need are here (`official`, `planner` and their signed-in
clients), built with tests/factories.py; a room's own data is in its conftest.py (the
consultation tests' `plan`, `consultation` and `comment` in tests/consultation/conftest.py).
Keep `demo_plan` for tests about the demo and for the browser.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import translation

from planportal.db_roles import log_in_again, log_in_as_owner
from planportal.models import AuditEvent, Plan
from tests.factories import (
    audit_baseline,
    make_official,
    make_other_plan,
    make_plan,
    make_planner,
    make_second_plan,
)

REPO = Path(settings.BASE_DIR)
DEMO_DRAFT = REPO / "fixtures" / "yangquanqu" / "plan-draft.txt"
DEMO_SLUG = "yangquanqu-2021-2035"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
# The run's media folder (tests/settings.py), shared with the servers and workers tests start;
# a test may point settings.MEDIA_ROOT elsewhere for itself.
RUN_MEDIA_ROOT = Path(settings.MEDIA_ROOT)


@pytest.fixture(scope="session", autouse=True)
def _run_media_root_removed():
    yield
    shutil.rmtree(RUN_MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> dict:
    """The test database is created, migrated and finally dropped by the owner role, as
    `make run`'s is (planportal/db_roles.py); the tests themselves run as the application's
    role (``django_db_setup`` below). Returns the application's log-in."""
    return log_in_as_owner()


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, django_db_modify_db_settings):
    log_in_again("default", django_db_modify_db_settings)
    # pytest-django drops the database at the end; only its owner may.
    request.addfinalizer(log_in_as_owner)
    with django_db_blocker.unblock():
        # pytest-django sets up a test database only when a collected test uses the database;
        # without one, this and every live-server test would run on the real database.
        if not connection.settings_dict["NAME"].startswith("test_"):
            pytest.fail("no test database: mark live-server tests with django_db")
        call_command("load_demo_plan", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def as_database_owner(db):
    """For a test that replays a migration's step and changes the schema, as only the owner
    may (planportal/db_roles.py): inside the test the ORM talks to a connection of the owner,
    in a transaction rolled back at the end. It does not see what the test's own connection
    wrote before (its fixtures' rows): make the rows inside the test."""
    application = connections["default"]
    owner = application.copy()
    owner.settings_dict.update(settings.DATABASE_OWNER or {})
    connections["default"] = owner
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        owner.close()
        connections["default"] = application


@pytest.fixture(autouse=True)
def _chinese_first():
    """Every test starts in the default language: a request to an /en/ page must not leave
    the next test's gettext in English."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def demo_plan(db) -> Plan:
    """The 阳泉曲镇 plan as `make run` loads it."""
    return Plan.objects.get(slug=DEMO_SLUG)


@pytest.fixture
def first_plan(db) -> Plan:
    """测试镇's published plan (make_plan): the first of two plans side by side."""
    return make_plan()


@pytest.fixture
def second_plan(db) -> Plan:
    """第二测试乡's published plan (make_second_plan), beside ``first_plan``: what one plan
    holds must never show in the other."""
    return make_second_plan()


@pytest.fixture
def other_plan(db) -> Plan:
    """另一镇's plan (tests/factories.make_other_plan): a second township of the county, for
    what one plan must not show or let act on of another."""
    return make_other_plan()


@pytest.fixture
def draft_text() -> str:
    return DEMO_DRAFT.read_text(encoding="utf-8")


@pytest.fixture
def official(db):
    """wang.official, in the officials' group: moderates and answers comments."""
    return make_official()


@pytest.fixture
def planner(db):
    """li.planner, in the planners' group: uploads and publishes layers."""
    return make_planner()


@pytest.fixture
def official_client(official) -> Client:
    """A test client of its own, signed in as the official (beside the anonymous `client`)."""
    client = Client()
    client.force_login(official)
    return client


@pytest.fixture
def planner_client(planner) -> Client:
    """A test client of its own, signed in as the planner (beside the anonymous `client`)."""
    client = Client()
    client.force_login(planner)
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def server_environment(**overrides: str) -> dict[str, str]:
    """The environment of a server started by a test, without the test-only relaxations: the
    portal's own settings (not tests/settings.py) and Django's async check on."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    test_run = {"DJANGO_SETTINGS_MODULE": "planportal.settings", "MEDIA_ROOT": str(RUN_MEDIA_ROOT)}
    return {**env, **test_run, **overrides}


def server_database_url() -> str:
    """DATABASE_URL of the session's test database, for servers and workers the tests start
    (reading the settings touches no database)."""
    database = connection.settings_dict
    return (
        f"postgis://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}"
    )


@pytest.fixture(scope="session")
def live_url(django_db_setup) -> str:
    """A gunicorn server on the session's test database, which holds the demo plan."""
    env = server_environment(DATABASE_URL=server_database_url(), DATABASE_CONN_MAX_AGE="0")
    with gunicorn_serving(env, "--workers", "2", "--threads", "4") as base:
        yield base


@contextmanager
def gunicorn_serving(env: dict[str, str], *arguments: str):
    """gunicorn with ``env`` (and gunicorn.conf.py) on a free loopback port: yields its base
    URL once /healthz answers, and stops it at the end."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "planportal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + list(arguments),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/healthz", server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


class ReducedMotionBrowser:
    """A Playwright browser whose contexts and pages ask for reduced motion unless told
    otherwise: the portal then shows everything at once (no popup fade, no zoom or pan
    animation), so a test never looks at a page mid-transition (axe once measured a popup's
    text colour half faded in)."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        return self._browser.new_context(**{**self.DEFAULTS, **options})

    def new_page(self, **options):
        return self._browser.new_page(**{**self.DEFAULTS, **options})

    # Playwright's waits on a JavaScript expression given as a string run it through eval,
    # which the portal's Content-Security-Policy forbids: the tests' own pages let it pass.
    # tests/browser/test_content_security_policy.py loads the pages under the real policy.
    DEFAULTS = {"reduced_motion": "reduce", "bypass_csp": True}

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser), asking for
    reduced motion (ReducedMotionBrowser)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would then
    # refuse the test's own (synchronous) database calls, though nothing here is async.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield ReducedMotionBrowser(browser)
        browser.close()


def new_phone(browser, **options):
    """A page on a 360 px wide phone screen with touch, that records console errors; close
    its ``context`` when done. ``options`` go to the browser context."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        **options,
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page


@pytest.fixture
def phone(browser):
    """A 360 px wide phone screen with touch, that records console errors."""
    page = new_phone(browser)
    yield page
    page.context.close()


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@pytest.fixture
def new_audit_events(db):
    """The audit events written during this test. Live-server tests commit events earlier in
    the session, and the append-only trail can never be emptied, so counts start here."""
    baseline = audit_baseline()
    return lambda: AuditEvent.objects.filter(pk__gt=baseline)
