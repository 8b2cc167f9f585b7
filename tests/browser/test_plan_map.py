"""A resident opens the plan on a map: real Chromium against the live server.

The demo catalogue may or may not be loaded; the layers these tests rely on are created here
(committed, so the live server sees them) and removed afterwards.
"""

import json
import re
from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon

from layers.models import Layer
from planportal.models import Plan, Section
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_layer

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HOSTILE = "<img src=x onerror=window.__xss=1>"
READY = "document.getElementById('map').dataset.ready === 'true'"


def feature(geometry, **properties) -> dict:
    """A feature whose name the map reads from its properties (the layer's name field)."""
    return {"geom": geometry, "properties": properties}


@pytest.fixture(scope="module")
def test_layers(django_db_setup, django_db_blocker):
    """Three layers the defaults leave off: one to switch, one with a hostile attribute, one
    in section 3.2; plus villages, in case the demo catalogue has none."""
    with django_db_blocker.unblock():
        plan = Plan.objects.get(slug=DEMO_SLUG)
        x, y = plan.extent.centroid.coords
        section = Section.objects.get(chapter__plan=plan, number="3.2")
        line = LineString((x - 0.03, y - 0.01), (x + 0.03, y + 0.01), srid=4326)
        make_layer(
            plan,
            "maptest-toggle",
            shapes=[feature(line, MC="测试道路")],
            position=900,
            is_demo=True,
            title="测试线",
            name_field="MC",
            style={"color": "#0b7285", "weight": 5},
        )
        make_layer(
            plan,
            "maptest-hostile",
            shapes=[feature(Point(x + 0.012, y - 0.018, srid=4326), MC=HOSTILE, BZ="<b>粗体</b>")],
            position=901,
            is_demo=True,
            title="测试设施",
            section=section,
            chapter=section.chapter,
            name_field="MC",
            attribute_schema=[
                {"name": "MC", "label": "名称", "type": "string", "required": True},
                {"name": "BZ", "label": "备注", "type": "string", "required": False},
            ],
            style={"fillColor": "#d6336c", "radius": 9},
        )
        area = Polygon.from_bbox((x - 0.01, y - 0.006, x + 0.01, y + 0.006))
        area.srid = 4326
        make_layer(
            plan,
            "maptest-section",
            shapes=[feature(area, MC="测试片区")],
            position=902,
            is_demo=True,
            title="测试片区",
            section=section,
            chapter=section.chapter,
            name_field="MC",
            style={"color": "#5f3dc4", "fillColor": "#b197fc", "fillOpacity": 0.4},
        )
        make_layer(
            plan,
            "maptest-tiled",
            shapes=[feature(Point(x - 0.015, y + 0.02, srid=4326), MC="测试瓦片点")],
            position=904,
            is_demo=True,
            title="测试瓦片点",
            name_field="MC",
            policy="tiles-only",
            attribute_schema=[{"name": "MC", "label": "名称", "type": "string", "required": True}],
            style={"fillColor": "#f08c00", "radius": 9},
        )
        if not Layer.objects.public().filter(plan=plan).village_points().exists():
            villages = [
                feature(Point(x - 0.02, y + 0.01, srid=4326), XZQMC="测试甲村"),
                feature(Point(x + 0.02, y + 0.015, srid=4326), XZQMC="测试乙村"),
            ]
            make_layer(
                plan,
                "maptest-villages",
                shapes=villages,
                position=903,
                is_demo=True,
                title="测试村庄",
                name_field="XZQMC",
            )
    yield
    with django_db_blocker.unblock():
        test_layers = Layer.objects.filter(collection_id__startswith="maptest-")
        test_layers.update(published_revision=None)
        test_layers.delete()


def open_map(page, live_url, query=""):
    page.goto(f"{live_url}/plans/{DEMO_SLUG}/map/{query}")
    page.wait_for_function(READY)
    page.wait_for_load_state("networkidle")  # tiles too, so counts of drawn paths are stable


def drawn(page, collection_id=None):
    selector = f"#map path.plan-layer-{collection_id}" if collection_id else "#map path"
    return page.locator(selector).count()


def checkbox(page, collection_id):
    return page.locator(f"#layer-tree input[data-layer='{collection_id}']")


def topmost_spot(page, selector: str) -> dict:
    """Screen coordinates of the middle of an element matching ``selector`` that is the
    topmost element there (what a click at that point reaches), once there is one."""
    found = page.wait_for_function(
        """selector => {
            for (const element of document.querySelectorAll(selector)) {
                const box = element.getBoundingClientRect();
                const x = box.left + box.width / 2, y = box.top + box.height / 2;
                const hit = document.elementFromPoint(x, y);
                if (hit && hit.matches(selector)) return {x, y};
            }
            return null;
        }""",
        arg=selector,
    )
    return found.json_value()


def wait_for_popup(page):
    """The open popup, once it has faded in (for the screenshots)."""
    page.wait_for_function(
        "(p => p && getComputedStyle(p).opacity === '1')(document.querySelector('.leaflet-popup'))"
    )
    return page.locator(".leaflet-popup-content")


def a_free_spot_on_the_map(page):
    """Screen coordinates near the map centre where a tap reaches the map, not a feature."""
    return page.evaluate(
        """() => {
        const box = document.getElementById('map').getBoundingClientRect();
        const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
        for (let r = 0; r < Math.min(box.width, box.height) / 2; r += 12) {
          for (let a = 0; a < 360; a += 30) {
            const x = cx + r * Math.cos(a * Math.PI / 180);
            const y = cy + r * Math.sin(a * Math.PI / 180);
            const hit = document.elementFromPoint(x, y);
            const onFeature = hit && hit.closest('.leaflet-interactive, .leaflet-control');
            if (hit && hit.closest('#map') && !onFeature) return {x, y};
          }
        }
        return null;
      }"""
    )


def test_the_map_draws_the_default_layers_and_asks_nothing_outside(phone, live_url, test_layers):
    requested = []
    phone.on("request", lambda request: requested.append(request.url))
    open_map(phone, live_url)
    config = json.loads(phone.locator("#map-config").text_content())
    outside = [url for url in requested if urlparse(url).hostname != "127.0.0.1"]
    if config["basemap"] is None:
        assert outside == []
    else:  # with a 天地图 key in the environment, only 天地图 may be asked
        assert all(urlparse(url).hostname.endswith(".tianditu.gov.cn") for url in outside)
    for collection_id in config["default_layers"]:
        assert checkbox(phone, collection_id).is_checked()
    assert not checkbox(phone, "maptest-toggle").is_checked()
    assert phone.locator(".map-notice-strong").is_visible()  # 规划示意，以批准成果为准
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "map-phone")
    assert phone.console_errors == []


def test_switching_a_layer_on_and_off_changes_what_is_drawn(phone, live_url, test_layers):
    open_map(phone, live_url)
    before = drawn(phone)
    phone.locator("#layer-panel-button").tap()
    assert phone.locator("#layer-panel").is_visible()
    checkbox(phone, "maptest-toggle").check()
    phone.wait_for_function(
        "document.querySelectorAll('#map path.plan-layer-maptest-toggle').length === 1"
    )
    assert drawn(phone) == before + 1
    save_screenshot(phone, "map-phone-layers")
    checkbox(phone, "maptest-toggle").uncheck()
    phone.wait_for_function("!document.querySelector('#map path.plan-layer-maptest-toggle')")
    assert drawn(phone) == before
    assert phone.console_errors == []


def test_a_popup_shows_a_hostile_attribute_as_plain_text(browser, live_url, test_layers):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_map(page, live_url)
        checkbox(page, "maptest-hostile").check()
        marker = page.locator("#map path.plan-layer-maptest-hostile")
        marker.wait_for()
        marker.click()
        popup = wait_for_popup(page)
        assert popup.locator(".popup-title").inner_text() == HOSTILE
        assert popup.get_by_text("<b>粗体</b>", exact=True).is_visible()
        assert popup.locator("img, b, script").count() == 0
        assert page.evaluate("window.__xss") is None
        section_link = popup.get_by_role("link")
        assert section_link.get_attribute("href").endswith(f"/plans/{DEMO_SLUG}/#section-3-2")
        save_screenshot(page, "map-desktop-popup")
        assert errors == []
    finally:
        context.close()


def test_a_feature_drawn_from_vector_tiles_opens_its_popup(browser, live_url, test_layers):
    # VectorGrid 1.3 on Leaflet 1.9 threw on clicks on tile points (see static/js/map/compat.js).
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_map(page, live_url)
        with page.expect_response(re.compile(r"/tiles/maptest-tiled")):
            checkbox(page, "maptest-tiled").check()
        page.locator("#map path.plan-layer-maptest-tiled").first.wait_for()
        page.wait_for_load_state("networkidle")
        # A point near a tile edge is drawn in both tiles, and the copy in the buffer of one
        # tile is clipped by that tile's edge: clicking the middle of its box can land on the
        # neighbour tile, where the other copy may not be drawn yet, and open the point report
        # instead. So the click goes where a copy is the topmost element.
        spot = topmost_spot(page, "#map path.plan-layer-maptest-tiled")
        page.mouse.click(spot["x"], spot["y"])
        assert wait_for_popup(page).locator(".popup-title").inner_text() == "测试瓦片点"
        assert not page.locator("#report-panel").is_visible()
        assert errors == []
    finally:
        context.close()


def test_tapping_the_map_shows_what_the_plan_says_there(phone, live_url, test_layers):
    open_map(phone, live_url)
    spot = a_free_spot_on_the_map(phone)
    assert spot is not None
    with phone.expect_response(re.compile(r"/api/plans/[^/]+/report/\?")) as answer:
        phone.touchscreen.tap(spot["x"], spot["y"])
    sentences = answer.value.json()["sentences"]
    assert sentences
    shown = phone.locator("#report-body .report-sentences li")
    shown.first.wait_for()
    assert shown.all_inner_texts() == sentences
    assert phone.locator("#report-panel").is_visible()
    save_screenshot(phone, "map-phone-report")
    assert phone.console_errors == []


def test_the_panels_work_by_touch_and_keyboard_on_a_360_px_phone(phone, live_url, test_layers):
    open_map(phone, live_url)
    button = phone.locator("#layer-panel-button")
    panel = phone.locator("#layer-panel")
    assert not panel.is_visible()
    button.tap()
    assert button.get_attribute("aria-expanded") == "true"
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    phone.keyboard.press("Escape")
    assert not panel.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert phone.evaluate("document.activeElement.id") == "layer-panel-button"

    centre = phone.locator("#report-centre-button")
    centre.focus()
    with phone.expect_response(re.compile(r"/report/\?")):
        phone.keyboard.press("Enter")
    report = phone.locator("#report-panel")
    phone.locator("#report-body .report-sentences li").first.wait_for()
    assert report.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.keyboard.press("Escape")
    assert not report.is_visible()
    assert phone.evaluate("document.activeElement.id") == "report-centre-button"
    assert phone.console_errors == []


def test_a_section_link_turns_on_that_sections_layers(phone, live_url, test_layers):
    open_map(phone, live_url, "?section=3.2")
    catalogue = phone.evaluate(
        "fetch(JSON.parse(document.getElementById('map-config').textContent).urls.layers)"
        ".then(r => r.json())"
    )
    in_section = [
        layer["collection_id"]
        for layer in catalogue
        if (layer["section"] or {}).get("number") == "3.2"
    ]
    assert {"maptest-hostile", "maptest-section"} <= set(in_section)
    for collection_id in in_section:
        assert checkbox(phone, collection_id).is_checked()
    assert drawn(phone, "maptest-section") == 1
    banner = phone.locator("#section-banner")
    assert banner.is_visible()
    assert "3.2" in banner.inner_text()
    assert banner.get_by_role("link").get_attribute("href").endswith("#section-3-2")
    save_screenshot(phone, "map-phone-section-3-2")

    open_map(phone, live_url, "#section-3-2")
    assert checkbox(phone, "maptest-section").is_checked()
    assert phone.console_errors == []


def test_the_village_search_finds_a_village_from_the_keyboard(phone, live_url, test_layers):
    open_map(phone, live_url)
    search = phone.locator("#village-search-input")
    phone.wait_for_function("!document.getElementById('village-search-input').disabled")
    village = phone.evaluate(
        """async () => {
          const config = JSON.parse(document.getElementById('map-config').textContent);
          const layers = await (await fetch(config.urls.layers)).json();
          const layer = layers.find(l => l.collection_id === config.village_layer);
          const items = await (await fetch(layer.links.items)).json();
          return items.features.map(f => f.properties[layer.name_field]).filter(Boolean)[0];
        }"""
    )
    search.focus()
    phone.keyboard.type(village)
    phone.locator("#village-search-results button").first.wait_for()
    phone.keyboard.press("Enter")
    title = wait_for_popup(phone).locator(".popup-title")
    assert title.inner_text() == village
    assert phone.evaluate("document.activeElement.classList.contains('popup-title')")
    save_screenshot(phone, "map-phone-village-search")
    phone.keyboard.press("Escape")
    phone.locator(".leaflet-popup").wait_for(state="detached")
    assert phone.console_errors == []


def test_the_english_map_page_is_in_english(phone, live_url, test_layers):
    phone.goto(f"{live_url}/en/plans/{DEMO_SLUG}/map/")
    phone.wait_for_function(READY)
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator("#layer-panel-button").inner_text().strip() == "Layers"
    assert phone.locator(".map-text-link").get_attribute("href") == f"/en/plans/{DEMO_SLUG}/"
    assert phone.console_errors == []


def test_the_plan_page_links_sections_with_layers_to_the_map(client, test_layers):
    page = client.get(f"/plans/{DEMO_SLUG}/").content.decode()
    map_url = f"/plans/{DEMO_SLUG}/map/"
    assert f'href="{map_url}"' in page
    assert f'href="{map_url}?section=3.2"' in page
    without_layers = Section.objects.filter(chapter__plan__slug=DEMO_SLUG).exclude(
        layers__in=Layer.objects.public()
    )
    assert without_layers.exists()
    for section in without_layers:
        assert f'href="{map_url}?section={section.number}"' not in page


def map_config_of(client, path):
    page = client.get(path).content.decode()
    found = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1)), page


def test_without_a_tianditu_key_the_map_has_no_basemap_and_no_approval_number(
    client, settings, test_layers
):
    settings.TIANDITU_KEY = ""
    config, page = map_config_of(client, f"/plans/{DEMO_SLUG}/map/")
    assert config["basemap"] is None
    assert "GS(2024)0650" not in page
    assert config["urls"]["layers"] == f"/api/plans/{DEMO_SLUG}/layers/"
    assert config["urls"]["report"] == f"/api/plans/{DEMO_SLUG}/report/"


def test_with_a_tianditu_key_the_map_shows_the_basemap_and_its_approval_number(
    client, settings, test_layers
):
    settings.TIANDITU_KEY = "k{e}y"
    config, page = map_config_of(client, f"/plans/{DEMO_SLUG}/map/")
    tiles = config["basemap"]["tiles"]
    assert [urlparse(url).hostname for url in tiles] == ["t{s}.tianditu.gov.cn"] * 2
    assert all("LAYER=vec" in tiles[0] and url.endswith("tk=k%7Be%7Dy") for url in tiles)
    assert "LAYER=cva" in tiles[1]
    assert "GS(2024)0650号" in page
