"""我的意见 on a phone: a resident keeps two receipt codes from their receipt pages, sees both
opinions' states on /my-opinions/ (one answered, one waiting) and removes one."""

import pytest
from django.contrib.auth.models import User

from consultation import moderation
from consultation.models import Comment, Result
from planportal.models import Plan
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_comment, make_consultation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
OFFICIAL = "my-opinions.official"


@pytest.fixture(scope="module")
def codes(django_db_setup, django_db_blocker):
    """Two opinions committed for the live server: one answered (采纳), one waiting."""
    with django_db_blocker.unblock():
        consultation = make_consultation(
            Plan.objects.get(slug=DEMO_SLUG), title="浏览器测试：我的意见"
        )
        answered = make_comment(consultation, phone="", email="", villages=["柳湾村"])
        waiting = make_comment(consultation, phone="", email="")
        # Kept afterwards: the append-only audit trail names the official who answered.
        official = User.objects.filter(username=OFFICIAL).first() or make_user(
            OFFICIAL, "officials"
        )
        moderation.answer(official, answered, Result.ADOPTED, "已采纳。", publish=True)
    yield answered.receipt_code, waiting.receipt_code
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()


def keep(phone, live_url, code):
    phone.goto(f"{live_url}/receipts/{code}/")
    offer = phone.locator(f'[data-keep-receipt="{code}"]')
    button = offer.locator("[data-keep-button]")
    button.wait_for()
    assert button.inner_text() == "在本机保存回执码"
    button.tap()
    assert button.inner_text() == "已保存在本机" and button.is_disabled()
    assert "已保存" in offer.locator("[data-keep-status]").inner_text()


def test_a_resident_keeps_two_codes_sees_their_states_and_removes_one(phone, live_url, codes):
    answered, waiting = codes
    keep(phone, live_url, answered)
    assert "答复日期" in phone.locator("#receipt-answered-on").inner_text()
    assert "柳湾村" in phone.locator("#receipt-about").inner_text()
    save_screenshot(phone, "my-opinions-receipt-kept")
    keep(phone, live_url, waiting)

    phone.locator(".keep-receipt-link").tap()
    phone.wait_for_url("**/my-opinions/")
    items = phone.locator("#my-opinions-list .my-opinion")
    phone.locator(f'.my-opinion[data-code="{answered}"] .my-opinion-state').wait_for()
    phone.locator(f'.my-opinion[data-code="{waiting}"] .my-opinion-state').wait_for()
    assert items.count() == 2
    first = phone.locator(f'.my-opinion[data-code="{answered}"]')
    second = phone.locator(f'.my-opinion[data-code="{waiting}"]')
    assert first.locator(".my-opinion-state").get_attribute("data-state") == "published"
    assert "采纳" in first.locator(".my-opinion-answer").inner_text()
    assert "答复日期" in first.locator(".my-opinion-answer").inner_text()
    assert second.locator(".my-opinion-state").get_attribute("data-state") == "received"
    assert "尚未公布" in second.locator(".my-opinion-answer").inner_text()
    # Nothing wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "my-opinions-two-codes")

    second.locator(".my-opinion-remove").tap()
    assert items.count() == 1
    phone.reload()
    phone.locator(f'.my-opinion[data-code="{answered}"] .my-opinion-state').wait_for()
    assert items.count() == 1
    assert phone.locator(f'.my-opinion[data-code="{waiting}"]').count() == 0
    save_screenshot(phone, "my-opinions-one-removed")
    assert phone.console_errors == []
