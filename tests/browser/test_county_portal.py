"""A resident on a phone finds their township and village on the county portal: the home page
by region, a township without a plan, and the search across plans that leads to the plan's map
at the village. Real Chromium against the live server with the demo (孝义市's regions and the
阳泉曲镇 plan)."""

import pytest

from tests.browser.test_accessibility import assert_accessible
from tests.conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

POPUP_SHOWN = (
    "(p => p && getComputedStyle(p).opacity === '1')(document.querySelector('.leaflet-popup'))"
)


def open_home(phone, live_url):
    phone.goto(f"{live_url}/")
    phone.wait_for_load_state("networkidle")


def test_the_home_page_lists_the_townships_and_fits_a_phone(phone, live_url, demo_plan):
    open_home(phone, live_url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.get_by_role("heading", name="孝义市", exact=True).is_visible()
    yangquanqu = phone.locator(
        ".region-item", has=phone.get_by_role("link", name="阳泉曲镇", exact=True)
    )
    assert yangquanqu.get_by_role("link", name=demo_plan.name, exact=True).is_visible()
    assert yangquanqu.get_by_text("草案", exact=True).is_visible()
    assert yangquanqu.get_by_text("正在征求意见").is_visible()
    xiabao = phone.locator(".region-item", has=phone.get_by_role("link", name="下堡镇", exact=True))
    assert xiabao.get_by_text("尚未发布规划").is_visible()
    save_screenshot(phone, "county-portal-phone")
    assert_accessible(phone, "county-portal-phone")
    assert phone.console_errors == []


def test_a_township_without_a_plan_has_a_page_that_says_so(phone, live_url, demo_plan):
    open_home(phone, live_url)
    phone.get_by_role("link", name="下堡镇", exact=True).tap()
    phone.wait_for_url("**/regions/141181102000/")
    assert phone.locator("h1").inner_text() == "下堡镇"
    assert phone.get_by_text("尚未发布规划").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("link", name="孝义市", exact=True).tap()
    phone.wait_for_url("**/regions/141181000000/")
    assert phone.get_by_role("link", name="阳泉曲镇", exact=True).is_visible()
    assert_accessible(phone, "region-page-phone")
    assert phone.console_errors == []


def test_the_search_finds_a_village_and_leads_to_the_plan_map_at_it(phone, live_url, demo_plan):
    open_home(phone, live_url)
    phone.get_by_label("查找您所在的村或乡镇").fill("阳泉曲村")
    phone.get_by_role("button", name="搜索").tap()
    phone.wait_for_url("**/search/?q=*")
    first = phone.locator(".search-result").first
    assert first.get_by_role("heading").inner_text() == "阳泉曲村"
    assert first.get_by_text(demo_plan.name).is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "search-phone")
    assert_accessible(phone, "search-phone")
    first.get_by_role("link", name="在规划图上查看").tap()
    phone.wait_for_url(f"**/plans/{demo_plan.slug}/map/?village=*")
    phone.wait_for_function(POPUP_SHOWN)
    assert phone.locator(".leaflet-popup .popup-title").inner_text() == "阳泉曲村"
    save_screenshot(phone, "search-phone-map-at-village")
    assert phone.console_errors == []


def test_the_search_leads_a_township_without_a_plan_to_its_page(phone, live_url, demo_plan):
    phone.goto(f"{live_url}/search/?q=%E6%9D%9C%E6%9D%91")  # 杜村
    first = phone.locator(".search-result").first
    assert first.get_by_text("尚未发布规划").is_visible()
    first.get_by_role("link", name="杜村乡").tap()
    phone.wait_for_url("**/regions/141181204000/")
    assert phone.get_by_text("尚未发布规划").first.is_visible()
    assert phone.console_errors == []
