"""A resident reads the plan on a phone: real Chromium against a live server."""

import pytest

from tests.conftest import ARTIFACTS, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def open_plan(phone, live_url, demo_plan, prefix=""):
    phone.goto(f"{live_url}{prefix}/plans/{demo_plan.slug}/")
    phone.wait_for_load_state("networkidle")


def test_the_plan_fits_a_360_px_screen_without_sideways_scrolling(phone, live_url, demo_plan):
    open_plan(phone, live_url, demo_plan)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator("h1").inner_text() == demo_plan.name
    assert phone.get_by_text("草案，以批准成果为准。").is_visible()
    save_screenshot(phone, "plan-phone-top")
    assert phone.console_errors == []


def test_a_section_link_in_the_folded_contents_goes_to_the_section(phone, live_url, demo_plan):
    open_plan(phone, live_url, demo_plan)
    contents = phone.locator(".chapter-nav details")
    assert contents.get_attribute("open") is None  # folded on a phone: the text comes first
    phone.get_by_text("目录", exact=True).tap()
    link = phone.locator(".chapter-nav a", has_text="3.2 控制线划定")
    link.tap()
    phone.wait_for_function("location.hash === '#section-3-2'")
    heading = phone.locator("#section-3-2-title")
    assert heading.is_visible()
    box = heading.bounding_box()
    assert 0 <= box["y"] < 740
    assert contents.get_attribute("open") is None
    assert phone.get_by_text("不涉").first.is_visible()
    save_screenshot(phone, "plan-phone-section-3-2")
    assert phone.console_errors == []


def test_a_deep_link_opens_the_page_at_the_section(phone, live_url, demo_plan):
    phone.goto(f"{live_url}/plans/{demo_plan.slug}/#section-7-1")
    phone.wait_for_load_state("networkidle")
    box = phone.locator("#section-7-1-title").bounding_box()
    assert 0 <= box["y"] < 200


def test_the_language_switch_leads_to_the_english_page(phone, live_url, demo_plan):
    open_plan(phone, live_url, demo_plan)
    phone.get_by_role("link", name="English").tap()
    phone.wait_for_url(f"**/en/plans/{demo_plan.slug}/")
    assert phone.get_by_text("Draft: the approved plan prevails.").is_visible()
    assert phone.locator("html").get_attribute("lang") == "en"
    save_screenshot(phone, "plan-phone-english")


def test_printing_shows_the_text_without_navigation(phone, live_url, demo_plan):
    open_plan(phone, live_url, demo_plan)
    phone.emulate_media(media="print")
    assert not phone.locator(".chapter-nav").is_visible()
    assert not phone.locator(".site-header").is_visible()
    assert phone.locator("#section-8-3").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = phone.pdf(path=str(ARTIFACTS / "plan-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type/Page") >= 8
