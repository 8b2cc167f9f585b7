"""A resident on a phone finds their village through the search, reads its page (what the
plan says about 柳湾村) and opens the comment form aimed at it; on the map, a village's popup
leads to the same page and keeps database codes under "详细属性". Real Chromium against the
live server with the demo plan."""

import pytest

from tests.browser.test_accessibility import assert_accessible
from tests.conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

LIUWAN = "141181101203"
POPUP_SHOWN = (
    "(p => p && getComputedStyle(p).opacity === '1')(document.querySelector('.leaflet-popup'))"
)


def test_search_village_page_and_comment_on_a_phone(phone, live_url, demo_plan):
    phone.goto(f"{live_url}/")
    phone.get_by_label("查找您所在的村或乡镇").fill("柳湾村")
    phone.get_by_role("button", name="搜索").tap()
    phone.wait_for_url("**/search/?q=*")
    first = phone.locator(".search-result").first
    assert first.get_by_role("heading").inner_text() == "柳湾村"
    first.get_by_role("link", name="柳湾村", exact=True).tap()
    phone.wait_for_url(f"**/plans/{demo_plan.slug}/villages/{LIUWAN}/")
    assert phone.get_by_role("heading", level=1).inner_text() == "柳湾村"
    assert phone.get_by_text("草案未列明（示意）").first.is_visible()
    phone.wait_for_selector("#village-map[data-ready='true']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "village-page-phone")
    assert_accessible(phone, "village-page-phone")
    mention = phone.locator(".village-mentions li").first
    assert "柳湾村" in mention.locator("blockquote").inner_text()
    mention.scroll_into_view_if_needed()
    save_screenshot(phone, "village-page-phone-text")
    button = phone.get_by_role("link", name="对本村提意见")
    box = button.bounding_box()
    assert box["height"] >= 44
    button.tap()
    phone.wait_for_url("**/consultations/*/comment/?*")
    assert phone.get_by_text("柳湾村").first.is_visible()
    save_screenshot(phone, "village-page-phone-comment-form")
    assert phone.console_errors == []


def test_a_village_popup_leads_to_its_page_with_codes_folded(phone, live_url, demo_plan):
    phone.goto(f"{live_url}/plans/{demo_plan.slug}/map/?village=%E6%9F%B3%E6%B9%BE%E6%9D%91")
    phone.wait_for_function(POPUP_SHOWN)
    popup = phone.locator(".leaflet-popup")
    assert popup.locator(".popup-title").inner_text() == "柳湾村"
    details = popup.locator("details.popup-details")
    assert details.count() == 1
    assert not details.evaluate("d => d.open")
    assert not popup.get_by_text("141181030000000005").is_visible()  # 标识码, folded
    assert popup.get_by_text("示意位置").is_visible()  # plain words stay in view
    save_screenshot(phone, "village-popup-phone")
    popup.get_by_role("link", name="本村规划").tap()
    phone.wait_for_url(f"**/plans/{demo_plan.slug}/villages/{LIUWAN}/")
    assert phone.console_errors == []
