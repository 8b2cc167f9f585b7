"""An official answers an opinion: real Chromium against the live server. The official, the
consultation and the comment are committed here (the live server cannot see a test's
transaction) and removed afterwards; the audit trail is append-only, so the account that
acted is deactivated rather than deleted."""

import io
import json
import re
import unicodedata
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Polygon
from pypdf import PdfReader

from consultation.models import Comment
from planportal.models import AuditEvent, Plan
from planportal.roles import OFFICIALS
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_comment, make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.official"
PASSWORD = "Answer-Every-Opinion-2035"
PHONE = "13912345678"
REASON = "部分采纳：公交站点设在村委会门口，班次另行研究。"
HOSTILE = "<img src=x onerror=window.__xss=1>建议在村口增设公交站点"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        official, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        official.is_active = True
        official.set_password(PASSWORD)  # as `createstaff` does
        official.save()
        official.groups.add(Group.objects.get(name=OFFICIALS))
        plan = Plan.objects.get(slug=DEMO_SLUG)
        consultation = make_consultation(plan, title="浏览器测试征求意见")
        west, south = (
            (plan.extent.centroid.x, plan.extent.centroid.y)
            if plan.extent
            else (
                111.55,
                37.13,
            )
        )
        drawn = Polygon.from_bbox((west, south, west + 0.004, south + 0.003))
        drawn.srid = 4326
        comment = make_comment(
            consultation, body=HOSTILE, drawn=drawn, name="赵六", phone=PHONE, email=""
        )
    yield {"official": official, "consultation": consultation, "comment": comment}
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()  # replies cascade
        consultation.delete()
        official.is_active = False
        official.set_unusable_password()
        official.save()


def test_an_official_answers_a_comment_and_the_receipt_shows_the_answer(browser, live_url, scene):
    comment = scene["comment"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_url}/staff/comments/?consultation={scene['consultation'].pk}")
    page.wait_for_url("**/staff/login/**")  # anonymous: the login page first
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(f"**/staff/comments/?consultation={scene['consultation'].pk}")

    # The queue: the comment is listed with a masked phone, and drawn on the map.
    row = page.locator("table.queue-table tbody tr", has_text=comment.receipt_code)
    assert row.count() == 1
    assert "139****5678" in row.inner_text() and PHONE not in page.content()
    shape = page.locator("#queue-map path.leaflet-interactive")
    shape.first.wait_for()
    shape.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert comment.receipt_code in popup.inner_text()
    assert "<img" in popup.inner_text()  # the resident's text shown as text, never as HTML
    assert page.evaluate("window.__xss") is None
    save_screenshot(page, "official-queue")

    # One comment: answer with a reason, then publish.
    row.get_by_role("link", name=comment.receipt_code).click()
    page.wait_for_url(f"**/staff/comments/{comment.pk}/")
    answer = page.locator("form.answer-form")
    answer.locator("input[name=result][value=partly]").check()
    answer.locator("textarea[name=reason]").fill(REASON)
    answer.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert REASON in page.locator("#current-answer").inner_text()
    page.locator("form[action$='/publish/'] button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "published" in page.locator("#comment-state").get_attribute("class")
    save_screenshot(page, "official-answered")

    # The report on the opinions shows the answer and prints without the site's chrome.
    page.goto(f"{live_url}/consultations/{scene['consultation'].pk}/report/")
    row = page.locator(".report-table tbody tr").first
    assert REASON in row.inner_text() and PHONE not in page.content()
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    # The links, the messages and the freeze panel stay on screen; the sign-off is printed.
    assert page.locator(".no-print").count() >= 2
    assert all(chrome.is_hidden() for chrome in page.locator(".no-print").all())
    assert page.locator(".report-sign-off").is_visible()
    printed = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    footer = unicodedata.normalize("NFKC", printed.pages[0].extract_text()).replace("⻚", "页")
    pages = re.search(r"第\s*1\s*页,共\s*(\d+)\s*页", footer)  # NFKC turns "，" into ","
    assert pages and int(pages[1]) == len(printed.pages)
    save_screenshot(page, "official-report-print")
    assert errors == []
    context.close()

    # What the resident sees with the receipt code: the published answer, nothing personal.
    with urllib.request.urlopen(f"{live_url}/api/receipts/{comment.receipt_code}/") as response:
        raw = response.read().decode()
    receipt = json.loads(raw)
    assert receipt["state"] == "published"
    assert receipt["answer"]["result"] == "partly" and receipt["answer"]["reason"] == REASON
    assert PHONE not in raw and "赵六" not in raw

    actions = set(
        AuditEvent.objects.filter(object_id=str(comment.pk), actor=scene["official"]).values_list(
            "action", flat=True
        )
    )
    assert {"comment.answer", "comment.publish"} <= actions
