"""A child under 14 comments through the JavaScript form: ticking "我未满十四周岁" shows the
guardian's consent, which the browser then requires; with it the opinion is sent and what was
declared is stored (PIPL Art. 31). Real Chromium against the live server."""

import time

import pytest

from consultation.models import Comment
from planportal.models import Plan
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
MIN_FILL_SECONDS = 5  # the live server runs with the default COMMENT_MIN_FILL_SECONDS


@pytest.fixture(scope="module")
def consultation(django_db_setup, django_db_blocker):
    """An open consultation on the demo plan, committed so the live server sees it; it closes
    before the demo's own, so the plan page shows this one."""
    with django_db_blocker.unblock():
        consultation = make_consultation(
            Plan.objects.get(slug=DEMO_SLUG), title="浏览器测试：未成年人意见"
        )
    yield consultation
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()


def test_a_child_needs_the_guardians_consent_in_the_javascript_form(phone, live_url, consultation):
    phone.goto(f"{live_url}/plans/{DEMO_SLUG}/")
    opener = phone.locator('#section-3-2 a[data-comment-open][data-section="3.2"]')
    opener.scroll_into_view_if_needed()
    opener.tap()
    form = phone.locator("#section-3-2 form[data-comment-form]")
    form.wait_for()
    opened_at = time.monotonic()
    assert "未满十四周岁" in form.locator(".comment-privacy").inner_text()
    guardian = form.locator("[data-guardian]")
    assert guardian.is_hidden()

    form.locator('textarea[name="body"]').fill("希望在村里建一个儿童游乐场。")
    form.locator('input[name="stance"][value="suggest"]').check()
    form.locator('input[name="consent_privacy"]').check()
    form.locator('input[name="under_14"]').check()
    assert guardian.is_visible()
    consent = form.locator('input[name="guardian_consent"]')
    assert consent.evaluate("box => box.required")
    form.locator('button[type="submit"]').tap()
    # The browser keeps the form until the guardian has ticked the box: nothing is sent.
    assert not consent.evaluate("box => box.validity.valid")
    time.sleep(0.5)
    assert not Comment.objects.filter(consultation=consultation).exists()

    consent.check()
    form.locator('input[name="guardian_name"]').fill("王芳")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "resident-comment-form-under-14")
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened_at)))
    form.locator('button[type="submit"]').tap()
    receipt = phone.locator("#section-3-2 .comment-receipt [data-receipt-code]")
    receipt.wait_for(timeout=15_000)
    comment = Comment.objects.get(receipt_code=receipt.get_attribute("data-receipt-code"))
    assert (comment.declared_under_14, comment.guardian_consent, comment.guardian_name) == (
        True,
        True,
        "王芳",
    )
    assert phone.console_errors == []
