"""The map on a slow or failing network (issue 13, item 8): a sign until the first plan shapes
are drawn, a retry when they cannot be, and how many requests the default view makes. The
figures under a throttled network are bench/weak_phone.py's, not a test's."""

import time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.conftest import DEMO_SLUG, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

MAP = f"/plans/{DEMO_SLUG}/map/"
LAYER_DATA = "**/ogc/collections/*/items*"
PLAN_SHAPES = (
    ".leaflet-plan-polygons-pane path, .leaflet-plan-lines-pane path, "
    ".leaflet-plan-points-pane path"
)
READY = "document.getElementById('map').dataset.ready === 'true'"
# The default view of the demo plan asked for 40 files and answers (measured 2026-12-06: the
# page, 6 style sheets, Leaflet, main.js and its 24 modules, 5 layers, the favicon and care.js;
# 43 before the catalogue went into the page and VectorGrid and django-leaflet's extras left it),
# then 45 once the map could be shared and printed (share.js, viewstate.js, print.js and their
# style sheet).
MOST_REQUESTS = 46


def wait_for_a_held_request(page, held: list, seconds: float = 15) -> None:
    """Lets Playwright deliver events (a route handler runs only then) until one is held."""
    deadline = time.monotonic() + seconds
    while not held:
        assert time.monotonic() < deadline, "no layer data was asked for"
        page.wait_for_timeout(50)


def test_a_sign_shows_until_the_first_shapes_are_drawn(phone, live_url):
    held, let_go = [], []

    def hold(route):  # the layers' data waits until the test lets it go
        if let_go:
            route.continue_()
        else:
            held.append(route)

    phone.route(LAYER_DATA, hold)
    phone.goto(live_url + MAP)

    sign = phone.locator("#map-loading")
    expect(sign).to_be_visible()
    expect(sign).to_have_text("加载中…")
    expect(sign).to_have_attribute("role", "status")
    expect(sign).to_have_attribute("aria-live", "polite")
    wait_for_a_held_request(phone, held)
    assert phone.locator(PLAN_SHAPES).count() == 0
    # The phone fixture asks for reduced motion: the ring stands still (site.css).
    spinner = sign.locator(".map-loading-spinner")
    assert spinner.evaluate("e => getComputedStyle(e).animationName") == "none"
    save_screenshot(phone, "map-loading-sign-phone")

    let_go.append(True)
    for route in held:
        route.continue_()
    expect(sign).to_be_hidden()
    assert phone.locator(PLAN_SHAPES).count() > 0
    assert phone.console_errors == []


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_failed_load_says_so_and_tries_again_on_a_tap(request, screen, live_url):
    page = request.getfixturevalue(screen)
    page.route(LAYER_DATA, lambda route: route.abort("connectionfailed"))
    page.goto(live_url + MAP)

    retry = page.locator("#map-loading").get_by_role("button", name="加载失败，点此重试")
    expect(retry).to_be_visible()
    assert page.locator(PLAN_SHAPES).count() == 0
    save_screenshot(page, f"map-loading-failed-{screen}")

    page.unroute(LAYER_DATA)
    retry.click()
    expect(page.locator("#map-loading")).to_be_hidden()
    expect(page.locator(PLAN_SHAPES).first).to_be_attached()


def test_the_default_view_makes_few_requests(phone, live_url):
    requests = []
    phone.on("request", lambda request: requests.append(request.url))
    phone.goto(live_url + MAP)
    phone.wait_for_function(READY)
    phone.wait_for_load_state("networkidle")

    ours = [url for url in requests if urlparse(url).netloc == urlparse(live_url).netloc]
    assert len(ours) <= MOST_REQUESTS, "\n".join(ours)
    assert not any("/api/plans/" in url for url in ours)  # the catalogue is in the page
    assert not any("VectorGrid" in url or "leaflet.extras" in url for url in ours)
    assert sum("/items" in url for url in ours) >= 1  # the default layers were drawn
