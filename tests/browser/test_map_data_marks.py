"""A resident sees what the map's data is: 演示数据 / 示意 badges in the layer list and in
popups, and the approximate township outline left off and labelled 示意范围（非法定界线）.

The layers are made here (committed, so the live server sees them) and removed afterwards.
"""

import pytest
from django.contrib.gis.geos import Point, Polygon

from layers.models import DataStatus, Layer
from planportal.models import Plan
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_layer

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

READY = "document.getElementById('map').dataset.ready === 'true'"
BOUNDARY_LABEL = "示意范围（非法定界线）"


@pytest.fixture(scope="module")
def marked_layers(django_db_setup, django_db_blocker):
    """A schematic (示意, not demo) point layer and an approximate township outline."""
    with django_db_blocker.unblock():
        plan = Plan.objects.get(slug=DEMO_SLUG)
        x, y = plan.extent.centroid.coords
        make_layer(
            plan,
            "marktest-schematic",
            shapes=[{"geom": Point(x + 0.004, y, srid=4326), "properties": {"MC": "示意站点"}}],
            position=950,
            title="测试示意设施",
            name_field="MC",
            data_status=DataStatus.SCHEMATIC,
            style={"fillColor": "#d6336c", "radius": 10},
        )
        outline = Polygon.from_bbox((x - 0.02, y - 0.012, x + 0.02, y + 0.012))
        outline.srid = 4326
        make_layer(
            plan,
            "marktest-outline",
            code="XZQ",
            shapes=[{"geom": outline, "properties": {"XZQMC": "测试镇"}}],
            position=951,
            title="测试镇域",
            name_field="XZQMC",
            data_status=DataStatus.SCHEMATIC,
            style={"color": "#4a3b6b", "fillColor": "#4a3b6b", "fillOpacity": 0.1},
        )
    yield
    with django_db_blocker.unblock():
        made = Layer.objects.filter(collection_id__startswith="marktest-")
        made.update(published_revision=None)
        made.delete()


def open_map(page, live_url):
    page.goto(f"{live_url}/plans/{DEMO_SLUG}/map/")
    page.wait_for_function(READY)
    page.wait_for_load_state("networkidle")


def tree_item(page, collection_id):
    return page.locator(f"#layer-tree li.layer-item[data-layer='{collection_id}']")


def checkbox(page, collection_id):
    return page.locator(f"#layer-tree input[data-layer='{collection_id}']")


def only_on(page, collection_id):
    """Switches every layer off but this one, so a tap reaches its features."""
    checked = page.eval_on_selector_all(
        "#layer-tree input[type=checkbox]:checked", "boxes => boxes.map(b => b.dataset.layer)"
    )
    for other in checked:
        checkbox(page, other).uncheck()
    checkbox(page, collection_id).check()
    page.locator(f"#map path.plan-layer-{collection_id}").first.wait_for()


def popup_of(page, collection_id):
    page.locator(f"#map path.plan-layer-{collection_id}").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    return popup


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_the_layer_list_marks_demo_and_schematic_layers(desktop, live_url, marked_layers):
    open_map(desktop, live_url)
    demo = Layer.objects.public().filter(plan__slug=DEMO_SLUG, is_demo=True)
    for collection_id in demo.values_list("collection_id", flat=True):
        badge = tree_item(desktop, collection_id).locator(".layer-toggle .badge-demo")
        assert badge.inner_text() == "演示数据", collection_id
    schematic = tree_item(desktop, "marktest-schematic").locator(".layer-toggle .badge-demo")
    assert schematic.inner_text() == "示意"
    assert desktop.errors == []


def test_the_approximate_outline_is_off_by_default_and_labelled(desktop, live_url, marked_layers):
    open_map(desktop, live_url)
    outlines = ["marktest-outline"] + list(
        Layer.objects.public()
        .filter(plan__slug=DEMO_SLUG, code="XZQ")
        .values_list("collection_id", flat=True)
    )
    for collection_id in outlines:
        assert not checkbox(desktop, collection_id).is_checked(), collection_id
        title = tree_item(desktop, collection_id).locator(".layer-title")
        assert title.locator(".boundary-label").inner_text() == BOUNDARY_LABEL
        assert desktop.locator(f"#map path.plan-layer-{collection_id}").count() == 0

    only_on(desktop, "marktest-outline")
    popup = popup_of(desktop, "marktest-outline")
    heading = popup.locator(".popup-layer")
    assert heading.locator(".boundary-label").inner_text() == BOUNDARY_LABEL
    assert heading.locator(".badge-demo").inner_text() == "示意"
    save_screenshot(desktop, "map-approximate-outline-popup")
    assert desktop.errors == []


def test_a_popup_of_a_schematic_layer_shows_its_badge(desktop, live_url, marked_layers):
    open_map(desktop, live_url)
    only_on(desktop, "marktest-schematic")
    popup = popup_of(desktop, "marktest-schematic")
    assert popup.locator(".popup-title").inner_text() == "示意站点"
    assert popup.locator(".popup-layer .badge-demo").inner_text() == "示意"
    assert popup.locator(".boundary-label").count() == 0
    assert desktop.errors == []
