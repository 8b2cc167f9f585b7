"""Shared fixtures: the demonstration plan, loaded into the real PostGIS test database."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from planportal.loader import load_plan
from planportal.models import Plan

REPO = Path(settings.BASE_DIR)
DEMO_META = REPO / "fixtures" / "yangquanqu" / "plan-meta.json"
DEMO_DRAFT = REPO / "fixtures" / "yangquanqu" / "plan-draft.txt"
DEMO_SLUG = "yangquanqu-2021-2035"


@pytest.fixture
def demo_plan(db) -> Plan:
    """The 阳泉曲镇 plan as `make run` loads it. Loaded per test (it takes milliseconds) so
    that tests which flush the database, like live-server tests, find it too."""
    return load_plan(DEMO_META).plan


@pytest.fixture
def draft_text() -> str:
    return DEMO_DRAFT.read_text(encoding="utf-8")


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
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
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A 360 px wide phone screen with touch, that records console errors."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
