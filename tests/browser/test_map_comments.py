"""A resident gives an opinion on the plan's map from a 360 px phone: on a feature from its
popup, on a point or an area drawn with taps, on a line drawn outside the plan (refused, drawn
again), on the map centre with the keyboard; and sees published opinions with their answers.

Real Chromium against the live server, on the demo plan and its open demo consultation. The
server refuses forms sent within COMMENT_MIN_FILL_SECONDS (5 s by default) of being shown, so
the tests wait that long before sending, as a person writing would.
"""

import json
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, Point
from django.utils import timezone
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from consultation.embed import current_consultation
from consultation.models import Comment, CommentState, Consultation, Reply, Result, Stance
from planportal.models import Plan, Section
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

MIN_FILL_SECONDS = 5  # the live server runs with the default COMMENT_MIN_FILL_SECONDS
READY = "document.getElementById('map').dataset.ready === 'true'"
MARK = "地图测试："  # every opinion these tests write starts so; removed afterwards
SEAT = "#map path.plan-layer-yangquanqu-zfzd"  # 镇政府驻地, a point layer shown by default
# The map is at rest: no zoom animation, and its pane has not moved over two frames. With the
# reduced motion the browser asks for (tests/conftest.py) the map does not animate, so this
# holds at once; waiting for it replaces guesses of how long an animation lasts (fixed sleeps).
MAP_AT_REST = """() => new Promise((resolve) => {
  const map = document.getElementById("map");
  const pane = map.querySelector(".leaflet-map-pane");
  const before = pane.style.transform;
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(
    !map.classList.contains("leaflet-zoom-anim") && pane.style.transform === before
  )));
})"""
PHONE_NUMBER = "13900001111"


@pytest.fixture(scope="module")
def consultation(django_db_setup, django_db_blocker):
    """The consultation the map page offers: the demo one, open for 30 days."""
    with django_db_blocker.unblock():
        consultation = current_consultation(Plan.objects.get(slug=DEMO_SLUG))
        assert consultation is not None and consultation.is_open
    yield consultation
    with django_db_blocker.unblock():
        # Comments sent through the form have no audit events, so they may go.
        Comment.objects.filter(consultation=consultation, body__startswith=MARK).delete()


@pytest.fixture(scope="module")
def published(consultation, django_db_blocker):
    """Two published opinions (made directly, without the audit trail's moderation steps): one
    on a drawn point with a published answer, one on section 3.2 with markup in its text."""
    with django_db_blocker.unblock():
        plan = consultation.plan
        official = get_user_model().objects.create(username="mapcomments-official")
        x, y = plan.extent.point_on_surface.coords
        now = timezone.now()
        on_map = make_comment(
            consultation,
            body=f"{MARK}村口路灯不亮，建议更换。",
            drawn=Point(x, y, srid=4326),
            name="王五",
            phone=PHONE_NUMBER,
            email="",
            state=CommentState.PUBLISHED,
            published_at=now,
        )
        Reply.objects.create(
            comment=on_map,
            result=Result.ADOPTED,
            reason="已列入近期项目，明年完成更换。",
            is_published=True,
            answered_by=official,
        )
        on_section = make_comment(
            consultation,
            body=f"{MARK}<b>支持</b>划定控制线。",
            stance=Stance.SUPPORT,
            section=Section.objects.get(chapter__plan=plan, number="3.2"),
            name="赵六",
            phone="",
            email="",
            consent_show_name=True,
            state=CommentState.PUBLISHED,
            published_at=now,
        )
    yield {"on_map": on_map, "on_section": on_section}
    with django_db_blocker.unblock():
        Comment.objects.filter(pk__in=[on_map.pk, on_section.pk]).delete()
        official.delete()


# -- helpers ---------------------------------------------------------------------------------


def open_map(page, live_url):
    page.goto(f"{live_url}/plans/{DEMO_SLUG}/map/")
    page.wait_for_function(READY)
    page.wait_for_load_state("networkidle")


def centre_of(locator):
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def uncovered_point_of(page, selector):
    """Screen coordinates where a tap reaches the element (dots of other layers may lie on
    parts of it)."""
    point = page.evaluate(
        """selector => {
        const steps = [0.5, 0.35, 0.65, 0.2, 0.8];
        for (const element of document.querySelectorAll(selector)) {
          const box = element.getBoundingClientRect();
          for (const fy of steps) {
            for (const fx of steps) {
              const x = box.left + box.width * fx, y = box.top + box.height * fy;
              if (document.elementFromPoint(x, y) === element) return {x, y};
            }
          }
        }
        return null;
      }""",
        selector,
    )
    assert point is not None, f"every {selector} is covered"
    return point["x"], point["y"]


def points_placed(page):
    return page.locator(".draw-bar .draw-count").inner_text()


def fill_in(form, body, stance="suggest"):
    """The opinion, a stance and the required consent."""
    form.locator('textarea[name="body"]').fill(body)
    form.locator(f'input[name="stance"][value="{stance}"]').check()
    form.locator('input[name="consent_privacy"]').check()


def send_after_fill_time(form, opened_at):
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened_at)))
    form.locator('button[type="submit"]').tap()


def receipt_of(page):
    """The comment the receipt in the opinion panel names, after checking its link."""
    receipt = page.locator("#comment-panel .comment-receipt [data-receipt-code]")
    receipt.wait_for(timeout=15_000)
    code = receipt.get_attribute("data-receipt-code")
    link = page.locator('#comment-panel .comment-receipt a[href^="/receipts/"]')
    assert link.get_attribute("href").endswith(f"/receipts/{code}/")
    return Comment.objects.get(receipt_code=code)


def drawn_geometry(form):
    return json.loads(form.locator('input[name="geometry"]').input_value())


def tab_to(page, selector, presses=40):
    for _n in range(presses):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def assert_fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


# -- tests -----------------------------------------------------------------------------------


def test_a_resident_taps_a_feature_and_comments_on_it(phone, live_url, consultation):
    open_map(phone, live_url)
    phone.touchscreen.tap(*uncovered_point_of(phone, SEAT))
    popup = phone.locator(".leaflet-popup-content")
    comment_button = popup.locator("button.popup-comment")
    # The popup opens after the tap: its text is waited for, not read once.
    expect(comment_button).to_have_text(_("Comment on this feature"), use_inner_text=True)
    name = popup.locator(".popup-title").inner_text()
    comment_button.tap()

    panel = phone.locator("#comment-panel")
    form = panel.locator("form[data-comment-form]")
    form.wait_for()
    opened_at = time.monotonic()
    assert form.locator('input[name="collection_id"]').input_value() == "yangquanqu-zfzd"
    assert name in form.locator("[data-comment-target-label]").inner_text()
    fill_in(form, f"{MARK}建议在镇政府门前增设公交站。")
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["width"] <= 360
    assert_fits_the_phone(phone)
    save_screenshot(phone, "map-comment-feature-form")

    send_after_fill_time(form, opened_at)
    comment = receipt_of(phone)
    save_screenshot(phone, "map-comment-feature-receipt")
    assert comment.layer.collection_id == "yangquanqu-zfzd"
    assert comment.feature.revision_id == comment.layer.published_revision_id == comment.revision_id
    assert comment.drawn is None
    phone.locator("#comment-panel .comment-done").tap()
    assert not phone.locator("#comment-panel").is_visible()
    phone.locator("#comment-panel-button").tap()  # a fresh start: the choices again
    assert phone.locator('#comment-panel .comment-action[data-action="draw_point"]').is_visible()
    assert phone.console_errors == []


def test_a_resident_draws_a_point_with_a_tap_and_comments_on_it(phone, live_url, consultation):
    open_map(phone, live_url)
    phone.locator("#comment-panel-button").tap()
    assert_fits_the_phone(phone)
    save_screenshot(phone, "map-comment-choices")
    phone.locator('.comment-action[data-action="draw_point"]').tap()
    bar = phone.locator(".draw-bar")
    bar.wait_for()
    phone.wait_for_function("document.getElementById('map').classList.contains('map-drawing')")
    assert bar.locator(".draw-hint").inner_text() == _("Tap the map where your opinion applies.")
    save_screenshot(phone, "map-comment-draw-point")
    # A tap on a plan feature places the point there rather than opening its popup.
    x, y = centre_of(phone.locator(SEAT).first)
    phone.touchscreen.tap(x, y)

    form = phone.locator("#comment-panel form[data-comment-form]")
    form.wait_for()
    opened_at = time.monotonic()
    assert not bar.is_visible()
    assert phone.locator(".leaflet-popup").count() == 0
    geometry = drawn_geometry(form)
    assert geometry["type"] == "Point"
    fill_in(form, f"{MARK}这里的路口需要减速带。", stance="oppose")
    send_after_fill_time(form, opened_at)
    comment = receipt_of(phone)
    assert comment.drawn.geom_type == "Point"
    assert comment.drawn.coords == pytest.approx(tuple(geometry["coordinates"]), abs=1e-6)
    assert phone.locator("path.comment-draft").count() == 1
    assert phone.console_errors == []


def test_a_resident_draws_an_area_with_taps_and_comments_on_it(phone, live_url, consultation):
    open_map(phone, live_url)
    phone.locator("#comment-panel-button").tap()
    phone.locator('.comment-action[data-action="draw_polygon"]').tap()
    bar = phone.locator(".draw-bar")
    bar.wait_for()
    phone.wait_for_function("document.getElementById('map').classList.contains('map-drawing')")
    finish = bar.locator(".draw-finish")
    x, y = centre_of(phone.locator(SEAT).first)
    for n, (dx, dy) in enumerate([(-40, -40), (40, -40)], start=1):
        phone.touchscreen.tap(x + dx, y + dy)
        phone.wait_for_function(
            f"document.querySelector('.draw-count').textContent.includes('{n}')"
        )
    assert finish.is_disabled()  # an area needs three corners

    # Moving the map with a finger adds no corner.
    swipe(phone, (x, y + 80), (x - 50, y + 60))
    moved_x, moved_y = centre_of(phone.locator(SEAT).first)
    assert abs(moved_x - x) > 20  # the map did move
    assert "2" in points_placed(phone)
    x, y = moved_x, moved_y
    for n, (dx, dy) in enumerate([(40, 40), (-40, 40)], start=3):
        phone.touchscreen.tap(x + dx, y + dy)
        phone.wait_for_function(
            f"document.querySelector('.draw-count').textContent.includes('{n}')"
        )
    save_screenshot(phone, "map-comment-draw-area")
    finish.tap()

    form = phone.locator("#comment-panel form[data-comment-form]")
    form.wait_for()
    opened_at = time.monotonic()
    geometry = drawn_geometry(form)
    assert geometry["type"] == "Polygon" and len(geometry["coordinates"][0]) == 5
    fill_in(form, f"{MARK}这片地应保留为农田。")
    send_after_fill_time(form, opened_at)
    comment = receipt_of(phone)
    assert comment.drawn.geom_type == "Polygon" and comment.drawn.num_coords == 5
    assert comment.drawn.equals_exact(GEOSGeometry(json.dumps(geometry), srid=4326), 1e-6)
    assert phone.console_errors == []


def test_a_line_outside_the_plan_is_refused_with_the_servers_words_and_drawn_again(
    phone, live_url, consultation
):
    open_map(phone, live_url)
    for _n in range(2):
        phone.locator(".leaflet-control-zoom-out").tap()
        phone.wait_for_function(MAP_AT_REST)
    phone.locator("#comment-panel-button").tap()
    phone.locator('.comment-action[data-action="draw_line"]').tap()
    bar = phone.locator(".draw-bar")
    bar.wait_for()
    phone.wait_for_function("document.getElementById('map').classList.contains('map-drawing')")
    top = phone.locator("#map").bounding_box()["y"]
    phone.touchscreen.tap(24, top + 120)  # far west of the township, now small in the middle
    phone.touchscreen.tap(30, top + 200)
    phone.wait_for_function("document.querySelector('.draw-count').textContent.includes('2')")
    bar.locator(".draw-finish").tap()

    form = phone.locator("#comment-panel form[data-comment-form]")
    form.wait_for()
    opened_at = time.monotonic()
    assert drawn_geometry(form)["type"] == "LineString"
    fill_in(form, f"{MARK}这条路应该拓宽。")
    send_after_fill_time(form, opened_at)
    error = form.locator('[data-error-for="__general__"]')
    error.get_by_text(_("The drawn place lies outside the area of this plan.")).wait_for()
    assert error.inner_text().strip() == "标绘的位置超出了本规划的范围。"
    phone.wait_for_function(  # scrolled into sight, just under "Draw the place again"
        """() => {
          const box = document.querySelector('#comment-panel [data-error-for="__general__"]')
            .getBoundingClientRect();
          const tools = document.querySelector('#comment-panel .comment-form-tools')
            .getBoundingClientRect();
          return box.top >= tools.bottom && box.bottom <= window.innerHeight;
        }"""
    )
    save_screenshot(phone, "map-comment-outside-error")

    phone.locator("#comment-panel .comment-redraw").tap()
    bar.wait_for()
    for _n in range(2):  # the zoom buttons work while drawing, and place no point
        phone.locator(".leaflet-control-zoom-in").tap()
        phone.wait_for_function(MAP_AT_REST)
    assert "0" in points_placed(phone)
    x, y = centre_of(phone.locator(SEAT).first)
    phone.touchscreen.tap(x - 20, y)
    phone.touchscreen.tap(x + 20, y + 10)
    phone.wait_for_function("document.querySelector('.draw-count').textContent.includes('2')")
    bar.locator(".draw-finish").tap()
    form.wait_for()
    assert form.locator('textarea[name="body"]').input_value() == f"{MARK}这条路应该拓宽。"
    form.locator('button[type="submit"]').tap()
    comment = receipt_of(phone)
    assert comment.drawn.geom_type == "LineString"
    assert consultation.plan.extent.covers(comment.drawn)
    # The refused attempt is the 400 answer Chromium reports as a failed resource.
    assert [e for e in phone.console_errors if "status of 400" not in e] == []


def test_the_keyboard_alone_comments_on_the_map_centre_and_draws_a_line(
    phone, live_url, consultation
):
    open_map(phone, live_url)
    fab = phone.locator("#comment-panel-button")
    fab.focus()
    phone.keyboard.press("Enter")
    assert phone.locator("#comment-panel").is_visible()
    tab_to(phone, '.comment-action[data-action="draw_line"]')
    phone.keyboard.press("Enter")
    phone.locator(".draw-bar").wait_for()
    tab_to(phone, ".draw-bar .draw-centre")
    phone.keyboard.press("Enter")
    phone.wait_for_function("document.querySelector('.draw-count').textContent.includes('1')")
    # The map moves with the arrow keys (one step: a key pressed while the map still moves is
    # ignored); its new centre is the line's second point.
    phone.locator("#map").focus()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function(MAP_AT_REST)
    tab_to(phone, ".draw-bar .draw-centre")
    phone.keyboard.press("Enter")
    tab_to(phone, ".draw-bar .draw-finish")
    phone.keyboard.press("Enter")
    form = phone.locator("#comment-panel form[data-comment-form]")
    form.wait_for()
    line = drawn_geometry(form)
    assert line["type"] == "LineString" and len(line["coordinates"]) == 2
    assert line["coordinates"][1][0] > line["coordinates"][0][0]  # east of the first point
    tab_to(phone, "#comment-panel .comment-back")
    phone.keyboard.press("Enter")

    tab_to(phone, '.comment-action[data-action="centre_point"]')
    phone.keyboard.press("Enter")
    phone.wait_for_function("document.activeElement.matches('.draw-bar .draw-centre')")
    phone.keyboard.press("Enter")
    form.wait_for()
    opened_at = time.monotonic()
    phone.wait_for_function("document.activeElement.name === 'body'")
    phone.keyboard.type(f"{MARK}地图中心这里要建小游园。")
    tab_to(phone, 'input[name="stance"]')
    phone.keyboard.press("Space")
    tab_to(phone, 'input[name="consent_privacy"]')
    phone.keyboard.press("Space")
    tab_to(phone, "#comment-panel button[type=submit]")
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened_at)))
    phone.keyboard.press("Enter")
    comment = receipt_of(phone)
    assert comment.drawn.geom_type == "Point"
    assert comment.stance == Stance.SUPPORT
    phone.keyboard.press("Escape")
    assert not phone.locator("#comment-panel").is_visible()
    assert phone.evaluate("document.activeElement.id") == "comment-panel-button"
    assert phone.console_errors == []


def test_the_published_opinions_layer_shows_opinions_and_answers(
    phone, live_url, consultation, published
):
    on_map, on_section = published["on_map"], published["on_section"]
    open_map(phone, live_url)
    phone.locator("#layer-panel-button").tap()
    toggle = phone.locator("#layer-panel .published-layer-row input[type=checkbox]")
    with phone.expect_response(re.compile(r"/comments/published/")):
        toggle.check()
    marker = phone.locator(f"#map path.published-comment-{on_map.pk}")
    marker.wait_for()
    phone.keyboard.press("Escape")  # folds the layer list away
    phone.touchscreen.tap(*uncovered_point_of(phone, f"#map path.published-comment-{on_map.pk}"))
    phone.wait_for_function(
        "(p => p && getComputedStyle(p).opacity === '1')(document.querySelector('.leaflet-popup'))"
    )
    popup = phone.locator(".leaflet-popup-content .map-comment")
    expect(popup).to_contain_text("村口路灯不亮，建议更换。", use_inner_text=True)
    text = popup.inner_text()
    assert _("Villager") in text and "王五" not in text and PHONE_NUMBER not in text
    assert _("Answer: %(result)s") % {"result": Result.ADOPTED.label} in text
    assert "已列入近期项目，明年完成更换。" in text
    assert_fits_the_phone(phone)
    save_screenshot(phone, "map-published-opinion-popup")

    phone.locator(".leaflet-popup-close-button").tap()
    phone.locator("#comment-panel-button").tap()
    card = phone.locator(f'#comment-panel .map-comment[data-comment-id="{on_section.pk}"]')
    card.wait_for()
    card.scroll_into_view_if_needed()
    assert "赵六" in card.inner_text()
    assert card.locator(".map-comment-body").inner_text() == f"{MARK}<b>支持</b>划定控制线。"
    assert card.locator("b").count() == 0
    assert card.locator("button").count() == 0  # a section has no place on the map
    assert phone.locator("#comment-panel .published-section input[type=checkbox]").is_checked()
    page_text = phone.locator("body").inner_text()
    assert PHONE_NUMBER not in page_text and "王五" not in page_text
    save_screenshot(phone, "map-published-opinions-list")
    assert phone.console_errors == []


def test_on_a_wide_screen_the_point_report_leads_to_an_opinion_on_that_place(
    browser, live_url, consultation
):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        open_map(page, live_url)
        spot = page.evaluate(
            """() => {
            const box = document.getElementById('map').getBoundingClientRect();
            for (let x = box.left + box.width / 2; x < box.right - 80; x += 15) {
              const y = box.top + box.height / 2, hit = document.elementFromPoint(x, y);
              if (hit && hit.closest('#map') && !hit.closest('.leaflet-interactive')) return {x, y};
            }
            return null;
          }"""
        )
        with page.expect_response(re.compile(r"/report/\?")) as answer:
            page.mouse.click(spot["x"], spot["y"])
        asked = answer.value.url
        page.locator("#report-body .report-comment").click()
        form = page.locator("#comment-panel form[data-comment-form]")
        form.wait_for()
        assert not page.locator("#report-panel").is_visible()
        assert page.locator("#layer-panel").is_visible()  # the sidebar stays
        point = drawn_geometry(form)
        lon = float(re.search(r"lon=([-\d.]+)", asked).group(1))
        lat = float(re.search(r"lat=([-\d.]+)", asked).group(1))
        assert point["type"] == "Point"
        assert point["coordinates"] == pytest.approx([lon, lat], abs=1e-5)
        assert page.locator("#map path.comment-draft").count() == 1
        card = page.locator("#comment-panel").bounding_box()
        assert card["width"] < 500 and card["x"] > 640  # a card on the right, the map in sight
        save_screenshot(page, "map-comment-desktop-form")
        page.keyboard.press("Escape")
        assert not page.locator("#comment-panel").is_visible()

        # With a mouse: an area of three clicks, closed by clicking its first corner.
        page.locator("#comment-panel-button").click()  # the form again, as it was left
        assert page.locator("#comment-panel form[data-comment-form]").is_visible()
        page.locator("#comment-panel .comment-back").click()
        page.locator('.comment-action[data-action="draw_polygon"]').click()
        page.wait_for_function("document.querySelector('.draw-count')?.textContent.includes('0')")
        x, y = spot["x"], spot["y"]
        for n, (dx, dy) in enumerate([(0, 0), (80, 0), (40, 60)], start=1):
            page.mouse.click(x + dx, y + dy)
            page.wait_for_function(
                f"document.querySelector('.draw-count').textContent.includes('{n}')"
            )
        page.mouse.click(x, y)
        form.wait_for()
        area = drawn_geometry(form)
        assert area["type"] == "Polygon" and len(area["coordinates"][0]) == 4
        assert errors == []
    finally:
        context.close()


def map_config_of(client, path):
    page = client.get(path).content.decode()
    found = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_map_page_hands_its_scripts_the_consultation_and_the_drawing_tools(
    client, consultation
):
    config = map_config_of(client, f"/plans/{DEMO_SLUG}/map/")
    assert config["comments"]["consultation"] == consultation.pk
    assert config["comments"]["is_open"] and config["shows_published_comments"]
    assert config["comment_strings"]["comment_feature"] == _("Comment on this feature")
    for key, path in {
        "comment_form_module": "js/comment-form.js",
        "draw_script": "leaflet/draw/leaflet.draw.js",
        "draw_css": "leaflet/draw/leaflet.draw.css",
    }.items():
        assert config["urls"][key].endswith(path)
        assert client.get(config["urls"][key]).status_code == 200

    # Closed (inside this test's transaction only): the page still names it, closed.
    now = timezone.now()
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1)
    )
    config = map_config_of(client, f"/plans/{DEMO_SLUG}/map/")
    assert config["comments"]["consultation"] == consultation.pk
    assert not config["comments"]["is_open"]


def swipe(page, start, end, steps=8):
    """A one-finger drag, sent as touch events (Playwright's touchscreen only taps)."""
    cdp = page.context.new_cdp_session(page)
    (x0, y0), (x1, y1) = start, end
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for step in range(1, steps + 1):
        x = x0 + (x1 - x0) * step / steps
        y = y0 + (y1 - y0) * step / steps
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_function(MAP_AT_REST)
    cdp.detach()
