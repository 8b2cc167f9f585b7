"""A resident shares the map at their village, and the plan's pages: real Chromium against
the live server, on a 360 px phone and a desktop.

Choosing 柳湾村 puts it in the address with the layers and the view; that address, copied from
the share panel, opens the same map in a new page; the panel shows the link and the server's
QR code, and 复制链接 puts the link on the clipboard.
"""

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.test_map_reading import SCREENS  # the same phone and desktop
from tests.conftest import DEMO_SLUG, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

READY = "document.getElementById('map').dataset.viewRestored === 'true'"


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser, live_url):
    context = browser.new_context(
        **SCREENS[request.param],
        permissions=["clipboard-read", "clipboard-write"],
    )
    yield watched(context.new_page(), request.param)
    context.close()


def watched(page, screen_name: str):
    """``page`` recording its console errors, knowing which screen it is on."""
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.screen_name = screen_name
    return page


def tap(page, locator):
    if page.screen_name == "phone":
        locator.tap()
    else:
        locator.click()


def open_map(page, url):
    page.goto(url)
    page.wait_for_function(READY)


def view_of(page) -> dict:
    """What the map shows: the layers switched on, the centre, the zoom, the popup's title."""
    return page.evaluate(
        """() => {
          const on = [...document.querySelectorAll('#layer-tree input[data-layer]:checked')]
            .map(box => box.dataset.layer).sort();
          const title = document.querySelector('.leaflet-popup .popup-title');
          return {on, title: title ? title.textContent.trim() : null};
        }"""
    )


def address_params(page) -> dict:
    return {key: values[0] for key, values in parse_qs(urlparse(page.url).query).items()}


def extra_layer(page) -> str:
    """A layer the map leaves off at first (so that the test shows the address keeps it)."""
    return page.evaluate(
        """async () => {
          const config = JSON.parse(document.getElementById('map-config').textContent);
          const layers = await (await fetch(config.urls.layers)).json();
          const off = layers.filter(l => !config.default_layers.includes(l.collection_id)
                                         && l.delivery === 'geojson' && l.links.items);
          return off[0].collection_id;
        }"""
    )


def test_the_shared_map_opens_at_the_chosen_village_with_the_same_layers(screen, live_url):
    page = screen
    name = page.screen_name
    open_map(page, f"{live_url}/plans/{DEMO_SLUG}/map/")
    # Another layer on, from the layer list.
    layer = extra_layer(page)
    if not page.locator("#layer-panel").is_visible():  # open by default on a wide screen
        tap(page, page.locator("#layer-panel-button"))
    page.locator(f"#layer-tree input[data-layer='{layer}']").check()
    page.wait_for_function(f"location.search.includes('{layer}')")
    if name == "phone":
        tap(page, page.locator("#layer-panel .panel-close"))

    # Choose 柳湾村 from the search.
    page.locator("#village-search-input").fill("柳湾")
    result = page.locator("#village-search-results button", has_text="柳湾村").first
    tap(page, result)
    page.locator(".leaflet-popup .popup-title").wait_for()
    page.wait_for_function(
        "new URLSearchParams(location.search).get('village') === '柳湾村'"
        " && new URLSearchParams(location.search).has('zoom')"
    )
    params = address_params(page)
    assert layer in params["layers"].split(",")
    before = view_of(page)
    assert before["title"] == "柳湾村" and layer in before["on"]
    save_screenshot(page, f"share-map-village-address-{name}")

    # 分享: the panel with the link, the QR code and the WeChat hint.
    tap(page, page.locator(".map-bar .share-button"))
    panel = page.locator("#share-panel")
    panel.wait_for(state="visible")
    link = panel.locator(".share-panel-link")
    assert link.input_value() == page.url
    qr = panel.locator(".share-panel-qr-image")
    page.wait_for_function(
        "(img => img.complete && img.naturalWidth > 0)"
        "(document.querySelector('.share-panel-qr-image'))"
    )
    assert "/qr.svg?path=" in qr.get_attribute("src")
    assert "微信" in panel.inner_text()
    assert panel.locator(".share-panel-png").get_attribute("href").startswith("/qr.png?path=")
    save_screenshot(page, f"share-map-panel-{name}")

    # 复制链接 puts the link on the clipboard.
    tap(page, panel.get_by_role("button", name="复制链接"))
    panel.locator(".share-panel-status", has_text="已复制").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url
    centre = page.evaluate(
        "(() => { const p = new URLSearchParams(location.search);"
        " return [p.get('lat'), p.get('lon'), p.get('zoom')]; })()"
    )

    # The copied address, opened in a new page, shows 柳湾村 with the same layers and view.
    other = watched(page.context.new_page(), name)
    other.goto(copied)
    other.wait_for_function(READY)
    other.locator(".leaflet-popup .popup-title").wait_for()
    after = view_of(other)
    assert after == before
    other.wait_for_timeout(600)  # the address settles (written 400 ms after the view does)
    assert (
        other.evaluate(
            "(() => { const p = new URLSearchParams(location.search);"
            " return [p.get('lat'), p.get('lon'), p.get('zoom')]; })()"
        )
        == centre
    )
    save_screenshot(other, f"share-map-reopened-{name}")
    assert page.console_errors == [] and other.console_errors == []


def test_a_section_and_the_village_page_share_their_own_address(screen, live_url):
    page = screen
    name = page.screen_name
    page.goto(f"{live_url}/plans/{DEMO_SLUG}/")
    share = page.locator("#section-3-3 .share-button")
    share.scroll_into_view_if_needed()
    tap(page, share)
    panel = page.locator("#share-panel")
    panel.wait_for(state="visible")
    assert panel.locator(".share-panel-link").input_value() == (
        f"{live_url}/plans/{DEMO_SLUG}/?section=3.3#section-3-3"
    )
    assert "3.3" in panel.locator(".share-panel-page").inner_text()
    save_screenshot(page, f"share-section-panel-{name}")
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")

    page.goto(f"{live_url}/plans/{DEMO_SLUG}/villages/141181101203/")
    tap(page, page.locator(".village-actions .share-button"))
    panel.wait_for(state="visible")
    assert panel.locator(".share-panel-link").input_value() == (
        f"{live_url}/plans/{DEMO_SLUG}/villages/141181101203/"
    )
    page.wait_for_function(
        "(img => img.complete && img.naturalWidth > 0)"
        "(document.querySelector('.share-panel-qr-image'))"
    )
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= SCREENS[name]["viewport"]["width"]
    )
    save_screenshot(page, f"share-village-panel-{name}")
    assert page.console_errors == []


def test_without_javascript_the_share_control_opens_the_share_page(browser, live_url):
    context = browser.new_context(java_script_enabled=False, **SCREENS["phone"])
    page = context.new_page()
    page.goto(f"{live_url}/plans/{DEMO_SLUG}/villages/141181101203/")
    with page.expect_navigation():
        page.locator(".village-actions .share-button").tap()
    assert urlparse(page.url).path == "/share/"
    assert page.locator(".share-page-qr svg").is_visible()
    assert "141181101203" in page.locator("#share-page-link").input_value()
    save_screenshot(page, "share-page-no-javascript-phone")
    context.close()


def test_the_address_keeps_the_section_until_its_banner_is_closed(phone, live_url):
    open_map(phone, f"{live_url}/plans/{DEMO_SLUG}/map/?section=3.3")
    phone.wait_for_function("new URLSearchParams(location.search).has('zoom')")
    params = address_params(phone)
    assert params["section"] == "3.3"
    on = set(params["layers"].split(","))
    assert on and on == set(view_of(phone)["on"])
    length = phone.evaluate("history.length")
    phone.locator(".section-banner-close").tap()
    phone.wait_for_function("!new URLSearchParams(location.search).has('section')")
    # The view is replaced, never pushed: the back button leaves the map.
    assert phone.evaluate("history.length") == length
    assert phone.console_errors == []


def test_a_phone_with_a_share_sheet_is_offered_it(phone, live_url):
    """Chromium on Linux has no navigator.share; a phone's is stood in for by a function that
    records what it was given, as Android's share sheet would receive it."""
    phone.add_init_script(
        "navigator.share = (data) => { window.__shared = data; return Promise.resolve(); };"
    )
    open_map(phone, f"{live_url}/plans/{DEMO_SLUG}/map/?village=柳湾村")
    phone.locator(".leaflet-popup .popup-title").wait_for()
    phone.locator(".map-bar .share-button").tap()
    shared = phone.wait_for_function("window.__shared").json_value()
    assert shared["url"] == phone.url and "village=" in shared["url"]
    assert shared["title"].startswith("柳湾村 · ")
    # The panel is there as well, with a button to open the share sheet again.
    assert phone.locator("#share-panel .share-panel-native").is_visible()
    assert phone.console_errors == []
