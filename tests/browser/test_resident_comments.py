"""A resident comments on the plan from a phone: real Chromium against the live server.

Opens the plan page on a 360 px screen, opens the comment form under section 3.2, fills it in,
consents, sends it, sees the receipt code, and looks the receipt up with the look-up form."""

import hashlib
import json
import time
import urllib.error
import urllib.request

import pytest
from django.templatetags.static import static

from consultation.abuse import challenge_after, issue_challenge, verify_challenge
from consultation.models import Comment
from planportal.clients import Client, client_key
from planportal.models import Plan
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.consultation.submit_helpers import form_token, payload
from tests.factories import make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
MIN_FILL_SECONDS = 5  # the live server runs with the default COMMENT_MIN_FILL_SECONDS


@pytest.fixture(scope="module")
def consultation(django_db_setup, django_db_blocker):
    """An open consultation on the demo plan, committed so the live server sees it; closing
    a day before a 30-day one opened today, so the plan page shows this one."""
    with django_db_blocker.unblock():
        consultation = make_consultation(
            Plan.objects.get(slug=DEMO_SLUG),
            title="浏览器测试：规划草案征求意见",
            contact="阳泉曲镇人民政府 0358-0000000",
        )
    yield consultation
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()


def test_a_resident_comments_on_a_section_and_looks_up_the_receipt(phone, live_url, consultation):
    phone.goto(f"{live_url}/plans/{DEMO_SLUG}/")
    phone.wait_for_load_state("networkidle")
    countdown = phone.locator(".consultation-state [data-countdown]")
    assert countdown.is_visible()
    phone.locator(".consultation-state").scroll_into_view_if_needed()
    save_screenshot(phone, "resident-consultation-state")

    opener = phone.locator('#section-3-2 a[data-comment-open][data-section="3.2"]')
    opener.scroll_into_view_if_needed()
    opener.tap()
    form = phone.locator("#section-3-2 form[data-comment-form]")
    form.wait_for()
    opened_at = time.monotonic()
    assert form.locator('input[name="section"]').input_value() == "3.2"

    form.locator('textarea[name="body"]').fill("建议在3.2节写明村内排水沟的改造安排。")
    form.locator('input[name="stance"][value="suggest"]').check()
    form.locator("details.comment-contact summary").tap()
    form.locator('input[name="name"]').fill("张三")
    form.locator('input[name="phone"]').fill("138 1234 5678")
    assert form.locator(".comment-privacy").is_visible()
    form.locator('input[name="consent_privacy"]').check()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "resident-comment-form")

    # A person takes a while to write; the server refuses forms sent faster than that.
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened_at)))
    form.locator('button[type="submit"]').tap()

    receipt = phone.locator("#section-3-2 .comment-receipt [data-receipt-code]")
    receipt.wait_for(timeout=15_000)
    code = receipt.get_attribute("data-receipt-code")
    assert receipt.is_visible() and len(code) == 10
    save_screenshot(phone, "resident-comment-receipt")
    comment = Comment.objects.get(receipt_code=code)
    assert (comment.section.number, comment.stance, comment.phone) == (
        "3.2",
        "suggest",
        "13812345678",
    )
    assert comment.consent_privacy and not comment.consent_show_name

    phone.goto(f"{live_url}/receipts/")
    phone.locator('input[name="code"]').fill(f"{code[:5].lower()} {code[5:]}")
    phone.locator('.receipt-lookup-form button[type="submit"]').tap()
    phone.wait_for_url(f"**/receipts/{code}/")
    assert phone.locator(f'[data-receipt-code="{code}"]').is_visible()
    assert phone.locator('[data-state="received"]').is_visible()
    page_text = phone.locator("main").inner_text()
    assert "13812345678" not in page_text and "张三" not in page_text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "resident-receipt-page")
    assert phone.console_errors == []


def test_the_form_says_what_is_missing_next_to_the_field(phone, live_url, consultation):
    phone.goto(f"{live_url}/plans/{DEMO_SLUG}/")
    opener = phone.locator('#section-7-1 a[data-comment-open][data-section="7.1"]')
    opener.scroll_into_view_if_needed()
    opener.tap()
    form = phone.locator("#section-7-1 form[data-comment-form]")
    form.wait_for()
    form.locator('textarea[name="body"]').fill("公交站点太少。")
    form.locator('input[name="stance"][value="oppose"]').check()
    form.locator("details.comment-contact summary").tap()
    form.locator('input[name="phone"]').fill("12345")
    form.locator('input[name="consent_privacy"]').check()
    form.locator('button[type="submit"]').tap()
    phone_error = form.locator('[data-error-for="phone"]')
    phone_error.wait_for()
    assert phone_error.inner_text().strip()
    assert form.locator('input[name="phone"]').get_attribute("aria-invalid") == "true"
    assert not Comment.objects.filter(consultation=consultation, section__number="7.1").exists()


def test_the_browser_proof_of_work_is_what_the_server_checks(phone, live_url):
    client = Client(ip="127.0.0.1", key=client_key("127.0.0.1"))
    challenge = issue_challenge(client)
    phone.goto(f"{live_url}/receipts/")
    pow_url = f"{live_url}{static('js/pow.js')}"
    digest, solution = phone.evaluate(
        """async ([url, challenge]) => {
            const pow = await import(url);
            const words = pow.sha256Words("abc");
            const hex = words.map((w) => w.toString(16).padStart(8, "0")).join("");
            return [hex, await pow.solveChallenge(challenge)];
        }""",
        [pow_url, challenge],
    )
    assert digest == hashlib.sha256(b"abc").hexdigest()
    assert verify_challenge(challenge["token"], solution, client)


def test_a_resident_near_the_limit_gets_through_after_the_devices_check(
    phone, live_url, consultation
):
    # Comments from this address (the browser's, as the live server sees it) until the server
    # asks for the check: at half of the default 20 per hour.
    url = f"{live_url}/api/consultations/{consultation.pk}/comments/"
    statuses = []
    for n in range(challenge_after() + 1):
        data = payload(consultation, body=f"第{n}条意见", form_token=form_token(consultation))
        request = urllib.request.Request(
            url, json.dumps(data).encode(), {"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
            break
    assert statuses[-1] == 428 and set(statuses[:-1]) <= {201}

    phone.goto(f"{live_url}/consultations/{consultation.pk}/comment/?section=7.1")
    form = phone.locator("form[data-comment-form]")
    opened_at = time.monotonic()
    form.locator('textarea[name="body"]').fill("公交站点太少。")
    form.locator('input[name="stance"][value="oppose"]').check()
    form.locator('input[name="consent_privacy"]').check()
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - opened_at)))
    form.locator('button[type="submit"]').tap()
    receipt = phone.locator(".comment-receipt [data-receipt-code]")
    receipt.wait_for(timeout=30_000)
    comment = Comment.objects.get(receipt_code=receipt.get_attribute("data-receipt-code"))
    assert len(comment.challenge_nonce) == 32
    # Chromium reports the 428 answer itself as a failed resource; nothing else may fail.
    assert [e for e in phone.console_errors if "status of 428" not in e] == []
