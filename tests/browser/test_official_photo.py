"""An official sees the photo a resident sent, in real Chromium against the live server: a
thumbnail on the comment page, loaded through the officials-only view, which fits a phone, and
the full-size photo one tap away; each look is in the audit trail. The data is committed here
(the live server cannot see a test's transaction) and removed afterwards; the account that
looked is deactivated, as the trail points at it."""

import pytest

from consultation.models import Comment
from planportal.models import AuditEvent, Plan
from tests.browser.staff_accounts import log_in, make_official_account, retire_account
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import add_photo, audit_baseline, make_comment, make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.photo.official"
PASSWORD = "Look-At-The-Broken-Bridge-2035"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        official = make_official_account(USERNAME, PASSWORD)
        consultation = make_consultation(
            Plan.objects.get(slug=DEMO_SLUG), title="浏览器测试：随意见照片"
        )
        comment = add_photo(
            make_comment(consultation, body="村口的小桥栏杆断了，见照片。"), size=(1600, 1200)
        )
    yield {"official": official, "comment": comment}
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()
        retire_account(official)


def shown_photo(page) -> dict:
    image = page.locator("#comment-photo img")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "document.querySelector('#comment-photo img').complete"
        " && document.querySelector('#comment-photo img').naturalWidth > 0"
    )
    return {**image.bounding_box(), "natural": image.evaluate("i => i.naturalWidth")}


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_official_sees_the_photo_on_the_comment_page(browser, phone, live_url, scene, screen):
    comment = scene["comment"]
    if screen == "phone":
        page, width = phone, 360
    else:
        page, width = browser.new_context(viewport={"width": 1280, "height": 900}).new_page(), 1280
    before = audit_baseline()
    log_in(page, live_url, f"/staff/comments/{comment.pk}/", USERNAME, PASSWORD)
    photo = shown_photo(page)
    assert photo["natural"] == 1600  # the stored photo itself, shrunk on the page only
    assert 0 < photo["width"] <= min(width, 320) and photo["height"] <= 240
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    link = page.locator("#comment-photo figcaption a")
    assert link.inner_text() == "查看原图"
    assert link.get_attribute("href") == f"/staff/comments/{comment.pk}/photo/"
    page.locator("#comment-photo").evaluate("figure => figure.scrollIntoView({block: 'center'})")
    save_screenshot(page, f"official-comment-photo-{screen}")

    full = page.context.request.get(f"{live_url}/staff/comments/{comment.pk}/photo/")
    assert full.status == 200 and full.headers["content-type"] == "image/jpeg"
    looks = AuditEvent.objects.filter(
        pk__gt=before, action="comment.view_photo", object_id=str(comment.pk)
    )
    assert looks.count() >= 2  # the thumbnail and the full-size request
    assert set(looks.values_list("actor__username", flat=True)) == {USERNAME}
    if screen == "phone":
        assert page.console_errors == []
