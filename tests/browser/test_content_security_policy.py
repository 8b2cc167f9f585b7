"""The resident's pages work under the portal's real Content-Security-Policy (the other
browser tests let Playwright's own string waits past it): no script is refused, the map and
the village map draw, the share panel and the loading sign work. A refusal shows in the
console as "Refused to ..." and as a securitypolicyviolation event, both collected here."""

import pytest

from tests.conftest import DEMO_SLUG, new_phone, save_screenshot

pytestmark = pytest.mark.django_db

VILLAGE = "141181101203"  # 柳湾村
PLAN_SHAPES = (
    ".leaflet-plan-polygons-pane path, .leaflet-plan-lines-pane path, "
    ".leaflet-plan-points-pane path"
)
COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) =>
  window.__violations.push(event.violatedDirective + " " + event.blockedURI));
"""


@pytest.fixture
def strict_phone(browser):
    """A 360 px phone that obeys the page's Content-Security-Policy."""
    page = new_phone(browser, bypass_csp=False)
    page.context.add_init_script(COLLECT_VIOLATIONS)
    yield page
    page.context.close()


def refusals(page) -> list[str]:
    return page.evaluate("() => window.__violations") + page.console_errors


def test_the_map_draws_under_the_policy(strict_phone, live_url):
    page = strict_phone
    page.goto(f"{live_url}/plans/{DEMO_SLUG}/map/")
    page.locator(PLAN_SHAPES).first.wait_for(state="attached", timeout=60_000)
    page.locator("#map-loading").wait_for(state="hidden", timeout=60_000)
    save_screenshot(page, "csp-map-phone")
    assert refusals(page) == []


@pytest.mark.parametrize(
    "path",
    [
        f"/plans/{DEMO_SLUG}/",
        f"/plans/{DEMO_SLUG}/villages/{VILLAGE}/",
        f"/plans/{DEMO_SLUG}/villages/{VILLAGE}/print/",
        "/my-opinions/",
    ],
)
def test_the_resident_pages_run_no_refused_script(strict_phone, live_url, path):
    page = strict_phone
    page.goto(live_url + path)
    page.wait_for_load_state("networkidle")
    assert refusals(page) == [], path


def test_the_share_panel_opens_under_the_policy(strict_phone, live_url):
    page = strict_phone
    page.goto(f"{live_url}/plans/{DEMO_SLUG}/villages/{VILLAGE}/")
    page.wait_for_load_state("networkidle")
    page.locator("main [data-share]").first.click()
    panel = page.get_by_role("dialog")
    panel.wait_for(state="visible")
    panel.locator("img, svg").first.wait_for(state="visible")
    save_screenshot(page, "csp-share-phone")
    assert refusals(page) == []
