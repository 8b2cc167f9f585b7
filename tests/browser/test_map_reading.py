"""A map a farmer can read (issue 13, item 2): names on the map, a legend of the layers that
are on, a scale and a north arrow, measuring, layer opacity, and no basemap without a key.

Real Chromium against the live server, on a 360 px phone and a desktop screen, on the demo plan
(阳泉曲镇), whose villages, seat, river and roads carry their names.
"""

import json

import pytest

from layers.models import Layer
from tests.conftest import DEMO_SLUG, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

READY = "document.getElementById('map').dataset.ready === 'true'"
VILLAGES = "yangquanqu-xzc"
RIVER = "yangquanqu-hl"


SCREENS = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1366, "height": 768}},
}


def new_page(browser, screen: str):
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.screen = screen
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page


@pytest.fixture
def desktop(browser):
    page = new_page(browser, "desktop")
    yield page
    page.context.close()


@pytest.fixture(params=list(SCREENS))
def screen_page(request, browser):
    """The same test on a 360 px phone and on a desktop screen."""
    page = new_page(browser, request.param)
    yield page
    page.context.close()


def open_map(page, live_url):
    page.goto(f"{live_url}/plans/{DEMO_SLUG}/map/")
    page.wait_for_function(READY)
    page.wait_for_load_state("networkidle")


def config_of(page) -> dict:
    return json.loads(page.locator("#map-config").text_content())


def village_names(demo_plan) -> set[str]:
    layer = Layer.objects.get(collection_id=VILLAGES)
    features = layer.published_revision.features.all()
    return {feature.properties[layer.name_field] for feature in features}


def shown_labels(page, kind: str) -> list[str]:
    return page.locator(f".map-label-{kind} span").all_text_contents()


def test_names_legend_scale_and_north_arrow_at_the_default_view(screen_page, live_url, demo_plan):
    page = screen_page
    screen = page.screen
    open_map(page, live_url)
    config = config_of(page)
    assert config["labels"][VILLAGES] == {"kind": "village", "field": "XZQMC"}
    assert config["labels"][RIVER]["kind"] == "river"

    # Village names and the town seat are written at the first view, and only real names.
    page.wait_for_function("document.querySelectorAll('.map-label-village').length >= 3")
    villages = shown_labels(page, "village")
    assert set(villages) <= village_names(demo_plan)
    assert len(villages) >= 3
    assert shown_labels(page, "seat")
    # No two names overlap.
    boxes = page.eval_on_selector_all(
        ".map-label span",
        "spans => spans.map(s => { const b = s.getBoundingClientRect();"
        " return [b.left, b.top, b.right, b.bottom]; })",
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1)

    # A scale bar in metres and a north arrow.
    assert page.locator(".leaflet-control-scale-line").is_visible()
    assert "m" in page.locator(".leaflet-control-scale-line").text_content()
    assert page.locator(".map-north[role='img']").is_visible()
    assert page.get_by_role("img", name="指北针：上方为北").count() == 1

    # The legend lists exactly the layers that are on.
    legend = page.locator("#map-legend")
    if screen == "phone":
        assert legend.evaluate("d => d.open") is False  # folded, not covering the map
        assert not page.locator(".map-legend-body").is_visible()
        legend.locator("summary").tap()
    assert page.locator(".map-legend-body").is_visible()
    listed = page.eval_on_selector_all(
        ".map-legend-list > li", "items => items.map(i => i.dataset.layer)"
    )
    on = page.eval_on_selector_all(
        "#layer-tree input[type=checkbox]:checked", "boxes => boxes.map(b => b.dataset.layer)"
    )
    assert listed and sorted(listed) == sorted(on)
    assert set(config["default_layers"]) <= set(listed)
    if config["basemap"] is None:
        assert "TIANDITU_KEY" in page.locator(".map-legend-note").text_content()
        assert page.locator(".leaflet-pane.leaflet-plan-background-pane path").count() > 0
    # Over plain http the browser gives no position, so the button is not offered.
    assert page.locator(".map-locate").count() == 0
    save_screenshot(page, f"map-reading-{screen}")
    if screen == "phone":
        legend.locator("summary").tap()
        assert not page.locator(".map-legend-body").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.console_errors == []


def test_the_legend_follows_a_layer_switched_on(desktop, live_url, demo_plan):
    open_map(desktop, live_url)
    layer = "yangquanqu-czfl"
    assert desktop.locator(f".map-legend-list > li[data-layer='{layer}']").count() == 0
    desktop.locator(f"#layer-tree input[type=checkbox][data-layer='{layer}']").check()
    desktop.locator(f".map-legend-list > li[data-layer='{layer}']").wait_for()
    # 村庄分类 has categories: each is in the legend.
    categories = desktop.locator(f"li[data-layer='{layer}'] .map-legend-categories li")
    assert categories.count() >= 2
    assert desktop.console_errors == []


def test_measuring_a_line_and_an_area(screen_page, live_url, demo_plan):
    page = screen_page
    screen = page.screen
    open_map(page, live_url)
    page.locator(".map-measure").click()
    result = page.locator(".measure-result")
    assert result.text_content() == "在地图上依次点击要量的线的各点。"
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x - 50, y + 40)
    page.mouse.click(x + 50, y + 40)
    page.wait_for_function(
        "document.querySelector('.measure-result').textContent.startsWith('距离：')"
    )
    text = result.text_content()
    assert text.endswith("米")
    # No point report opened: the taps were points of the line.
    assert page.locator("#report-panel").is_hidden()
    save_screenshot(page, f"map-measure-distance-{screen}")

    page.get_by_role("button", name="量面积").click()
    page.mouse.click(x - 50, y + 40)
    page.mouse.click(x + 50, y + 40)
    page.mouse.click(x + 50, y + 100)
    page.wait_for_function(
        "document.querySelector('.measure-result').textContent.startsWith('面积：')"
    )
    assert "亩" in result.text_content()
    assert "公顷" in result.text_content() or "平方米" in result.text_content()
    page.get_by_role("button", name="结束测量").click()
    assert page.locator(".measure-bar").is_hidden()
    assert page.console_errors == []


def test_a_measured_distance_agrees_with_the_scale_bar(desktop, live_url, demo_plan):
    """200 px measured across the map are as many metres as the scale bar says 200 px are."""
    open_map(desktop, live_url)
    scale = desktop.locator(".leaflet-control-scale-line")
    width = scale.evaluate("s => s.getBoundingClientRect().width")
    label = scale.text_content().strip()
    metres = float(label.split()[0]) * (1000 if label.endswith("km") else 1)
    expected = metres / width * 200
    desktop.locator(".map-measure").click()
    box = desktop.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 60
    desktop.mouse.click(x - 100, y)
    desktop.mouse.click(x + 100, y)
    text = desktop.locator(".measure-result").text_content()
    assert text.startswith("距离：")
    value = text.removeprefix("距离：").replace(",", "").split()
    measured = float(value[0]) * (1000 if value[1] == "千米" else 1)
    assert abs(measured - expected) / expected < 0.05
    assert desktop.console_errors == []


def test_opacity_changes_a_layers_opacity(phone, live_url, demo_plan):
    open_map(phone, live_url)
    phone.locator("#layer-panel-button").tap()
    slider = phone.locator(f"input.layer-opacity[data-opacity-for='{RIVER}']")
    assert slider.is_visible()  # the river is on by default
    assert phone.locator("input.layer-opacity[data-opacity-for='yangquanqu-czfl']").is_hidden()
    path = phone.locator(f"#map path.plan-layer-{RIVER}").first
    assert path.evaluate("p => getComputedStyle(p).opacity") == "1"
    slider.fill("30")
    assert path.evaluate("p => getComputedStyle(p).opacity") == "0.3"
    save_screenshot(phone, "map-opacity-phone")
    slider.fill("100")
    assert path.evaluate("p => getComputedStyle(p).opacity") == "1"
    assert phone.console_errors == []


def test_two_layers_can_be_compared_one_after_the_other(desktop, live_url, demo_plan):
    open_map(desktop, live_url)
    desktop.locator(".compare-tool summary").click()
    first, second = "yangquanqu-czfl", "yangquanqu-cybj"
    desktop.locator("#compare-first").select_option(first)
    desktop.locator("#compare-second").select_option(second)
    desktop.locator(".compare-switch").click()
    desktop.wait_for_function(
        f"document.querySelectorAll('#map path.plan-layer-{first}').length > 0"
    )
    assert desktop.locator(f"#map path.plan-layer-{second}").count() == 0
    assert "村庄分类" in desktop.locator(".compare-status").text_content()
    desktop.locator(".compare-switch").click()
    desktop.wait_for_function(
        f"document.querySelectorAll('#map path.plan-layer-{first}').length === 0"
        f" && document.querySelectorAll('#map path.plan-layer-{second}').length > 0"
    )
    assert desktop.locator(f"#layer-tree input[data-layer='{second}']").is_checked()
    assert desktop.console_errors == []
