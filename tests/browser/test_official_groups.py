"""An official sees the place and the crowd, in real Chromium against the live server: the
comment page draws the resident's place on a small map inside the plan's outline, and opinions
that say the same (a copied 联名意见) are offered as one group in the queue and answered in one
go. The data is committed here (the live server cannot see a test's transaction) and removed
afterwards; the account that acted is deactivated, as the trail points at it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Polygon

from consultation.models import Comment, Reply
from planportal.models import Plan
from planportal.roles import OFFICIALS
from tests.browser.staff_accounts import log_in as staff_log_in
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_comment, make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.groups.official"
PASSWORD = "One-Answer-For-The-Village-2035"
JOINT = [
    "柳湾村全体村民联名：要求保留村东的打谷场，不要划为建设用地。",
    "柳湾村全体村民联名要求保留村东打谷场，不要划成建设用地！",
    "要求保留村东的打谷场，不要划为建设用地。柳湾村全体村民联名",
]
REASON = "村东打谷场保留为村庄公共空间，不划为建设用地。"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        official, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        official.is_active = True
        official.set_password(PASSWORD)
        official.save()
        official.groups.add(Group.objects.get(name=OFFICIALS))
        plan = Plan.objects.get(slug=DEMO_SLUG)
        consultation = make_consultation(plan, title="浏览器测试：相似意见")
        centre = plan.extent.centroid
        drawn = Polygon.from_bbox((centre.x, centre.y, centre.x + 0.004, centre.y + 0.003))
        drawn.srid = 4326
        placed = make_comment(consultation, body="这块地应保留为村里的晒场。", drawn=drawn)
        joint = [make_comment(consultation, body=body) for body in JOINT]
    yield {"consultation": consultation, "placed": placed, "joint": joint}
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()
        official.is_active = False
        official.set_unusable_password()
        official.save()


def log_in(page, live_url, path):
    staff_log_in(page, live_url, path, USERNAME, PASSWORD)


def test_the_official_maps_the_place_and_answers_the_group(browser, live_url, scene):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    placed = scene["placed"]

    # The comment page: the drawn place on its small map, its type in words.
    log_in(page, live_url, f"/staff/comments/{placed.pk}/")
    shape = page.locator("#comment-place-map path.leaflet-interactive")
    shape.first.wait_for()
    assert page.locator("#comment-place-map").get_attribute("data-drawn") == "1"
    assert page.locator("#drawn-kind").inner_text() == "面"
    box = page.locator("#comment-place-map").bounding_box()
    assert box["height"] > 150 and box["width"] > 300
    assert "(Polygon)" not in page.content()
    save_screenshot(page, "official-comment-place-map")

    # The queue offers the three copies of the 联名意见 as one group.
    page.goto(f"{live_url}/staff/comments/?consultation={scene['consultation'].pk}")
    groups = page.locator("#similar-groups .opinion-group")
    assert groups.count() == 1
    group = groups.first
    for comment in scene["joint"]:
        assert comment.receipt_code in group.inner_text()
    assert placed.receipt_code not in group.inner_text()
    group.locator("summary").click()
    form = group.locator("form.group-answer-form")
    form.locator("input[name=result][value=adopted]").check()
    form.locator("textarea[name=reason]").fill(REASON)
    form.locator("input[name=publish]").check()
    save_screenshot(page, "official-group-answer-form")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "已对 3 条相似意见一并答复" in page.locator("ul.staff-messages").inner_text()
    save_screenshot(page, "official-group-answered")

    replies = Reply.objects.filter(comment__in=scene["joint"])
    assert sorted(r.reason for r in replies) == [REASON] * 3
    assert all(r.is_published for r in replies)

    # A member's page says what happened, in words: the trail names each step.
    second = scene["joint"][1]
    page.goto(f"{live_url}/staff/comments/{second.pk}/")
    history = page.locator("ol.audit-history").inner_text()
    assert "comment." not in history
    assert REASON in page.locator("#current-answer").inner_text()
    assert "已公开" in page.locator("#current-answer").inner_text()
    assert errors == []
    context.close()


def test_the_place_map_fits_a_phone(phone, live_url, scene):
    placed = scene["placed"]
    log_in(phone, live_url, f"/staff/comments/{placed.pk}/")
    phone.locator("#comment-place-map path.leaflet-interactive").first.wait_for()
    box = phone.locator("#comment-place-map").bounding_box()
    assert box["width"] <= 360 and box["height"] > 150
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "official-comment-place-map-phone")
    assert phone.console_errors == []
