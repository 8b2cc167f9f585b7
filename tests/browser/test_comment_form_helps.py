"""The comment form helps a resident on a 360 px phone (issue 13, item 6): the counter counts
down as they type and warns near the limit; without JavaScript a too-long opinion comes back
whole with the reason; the 咨询 (question) stance can be chosen and is stored. Real Chromium
against the live server (COMMENT_MAX_CHARS at its default of 2000)."""

import time

import pytest

from consultation.models import Comment, Stance
from planportal.models import Plan
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
MIN_FILL_SECONDS = 5  # the live server runs with the default COMMENT_MIN_FILL_SECONDS
MAX_CHARS = 2000


@pytest.fixture(scope="module")
def consultation(django_db_setup, django_db_blocker):
    """An open consultation on the demo plan, committed so the live server sees it."""
    with django_db_blocker.unblock():
        consultation = make_consultation(
            Plan.objects.get(slug=DEMO_SLUG), title="浏览器测试：意见表的字数与咨询"
        )
    yield consultation
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()


def test_the_counter_counts_down_and_warns_near_the_limit(phone, live_url, consultation):
    phone.goto(f"{live_url}/consultations/{consultation.pk}/comment/")
    body = phone.locator('textarea[name="body"]')
    counter = phone.locator("[data-body-count]")
    assert counter.inner_text() == f"还可输入 {MAX_CHARS} 字"
    body.tap()
    body.press_sequentially("村口要修路")
    assert counter.inner_text() == f"还可输入 {MAX_CHARS - 5} 字"
    body.press("Backspace")
    assert counter.inner_text() == f"还可输入 {MAX_CHARS - 4} 字"
    assert "comment-count-near" not in (counter.get_attribute("class") or "")

    body.fill("路" * (MAX_CHARS - 160))
    body.press_sequentially("好的")
    assert counter.inner_text() == "快到字数上限了：还可输入 158 字"
    assert "comment-count-near" in counter.get_attribute("class")
    counter.scroll_into_view_if_needed()
    save_screenshot(phone, "comment-form-counter-near-limit")
    # A screen reader hears the count once typing pauses.
    spoken = phone.locator("[data-body-count-spoken]")
    phone.wait_for_function(
        "el => el.textContent.includes('158')", arg=spoken.element_handle(), timeout=3000
    )

    body.fill("路" * (MAX_CHARS + 12))  # a long text pasted: nothing is cut
    assert body.evaluate("el => [...el.value].length") == MAX_CHARS + 12
    assert counter.inner_text() == "已超出 12 字，请删减后再提交"
    assert "comment-count-over" in counter.get_attribute("class")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "comment-form-counter-over-limit")
    assert phone.console_errors == []


def test_a_too_long_opinion_without_javascript_comes_back_whole_with_the_reason(
    browser, live_url, consultation
):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    page = context.new_page()
    try:
        page.goto(f"{live_url}/consultations/{consultation.pk}/comment/")
        opened_at = time.monotonic()
        assert page.locator("[data-body-count]").inner_text() == f"最多可写 {MAX_CHARS} 字。"
        text = "建议把村口的路拓宽。" + "路" * (MAX_CHARS + 10)
        page.locator('textarea[name="body"]').fill(text)
        page.locator('input[name="stance"][value="question"]').check()
        page.locator('input[name="consent_privacy"]').check()
        time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened_at)))
        # Wait for the answer page itself: wait_for_load_state() right after the tap can
        # return for the page still shown, whose error line is empty (one CI run saw that).
        with page.expect_navigation():
            page.locator("button.comment-submit").tap()
        assert page.locator('textarea[name="body"]').input_value() == text
        error = page.locator('[data-error-for="body"]').inner_text()
        n = len(text)
        assert error == (
            f"“意见内容”最多 {MAX_CHARS} 字，您写了 {n} 字，超出 {n - MAX_CHARS} 字。"
            "请删减后再提交，您写的内容仍保留在框里。"
        )
        assert "您的意见还没有提交" in page.locator(".comment-general-errors").inner_text()
        assert page.locator('input[name="stance"][value="question"]').is_checked()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.locator('[data-error-for="body"]').scroll_into_view_if_needed()
        save_screenshot(page, "comment-form-too-long-without-javascript")
        assert not Comment.objects.filter(consultation=consultation, body=text).exists()
    finally:
        context.close()


def test_a_question_can_be_asked_on_the_phone(phone, live_url, consultation):
    phone.goto(f"{live_url}/consultations/{consultation.pk}/comment/")
    opened_at = time.monotonic()
    question = "请问规划里的村民活动中心什么时候开工？"
    phone.locator('textarea[name="body"]').fill(question)
    stance = phone.locator("label.comment-stance", has_text="咨询")
    stance.scroll_into_view_if_needed()
    stance.tap()
    assert phone.locator('input[name="stance"][value="question"]').is_checked()
    save_screenshot(phone, "comment-form-question-stance")
    phone.locator('input[name="consent_privacy"]').check()
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened_at)))
    phone.locator("button.comment-submit").tap()
    receipt = phone.locator(".comment-receipt [data-receipt-code]")
    receipt.wait_for(timeout=15_000)
    comment = Comment.objects.get(receipt_code=receipt.get_attribute("data-receipt-code"))
    assert (comment.body, comment.stance) == (question, Stance.QUESTION)
    assert phone.console_errors == []
