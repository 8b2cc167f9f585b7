"""What issue 12 promises a resident, in real Chromium on a 360 px phone: "I asked for this, and
here is what changed". A resident's opinion on 3.2 of version 1 (征求意见稿) was adopted; version
2 (修改稿) changed 3.2's sentence, explained the change and linked the answer to it. The
resident finds both versions on the plan page, reads the comparison (old words struck, new
ones inserted), the 修改说明 with the reason and the opinion, the opinion's own page (the text
as commented and "该条文在第 2 版（修改稿）中已修改" with a link to the change) and version 1's
page, which says a later version superseded it. The version, changes, 修改说明, comment and
procedure pages pass axe's WCAG 2.1 A/AA rules.

The plan, the round, the opinion and an official are committed here (the live server cannot
see a test's transaction) and removed afterwards; the account is deactivated, not deleted, as
the append-only audit trail keeps pointing at it."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from consultation import moderation
from consultation.models import Comment, Consultation, Result, Stance
from planportal import change_list
from planportal.models import PhaseKind, Plan, PlanPhase, PlanVersion
from planportal.roles import OFFICIALS
from planportal.versions import publish_version
from tests.browser.test_accessibility import assert_accessible
from tests.change_helpers import (
    TEXT_32,
    TEXT_32_REVISED,
    plan_with_text,
    revised_draft,
    section,
)
from tests.conftest import save_screenshot
from tests.factories import make_comment, make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.versions.official"
SLUG = "browser-versions-2021-2035"
OPINION = "建议将永久基本农田保护面积调整为1250公顷，与村里的实际耕地相符。"
REASON = "采纳村民意见，按实地核实的耕地面积调整。"


def remove_plan(slug: str) -> None:
    """Deletes the plan and what points at it. Opinions, rounds and steps protect the versions
    they name, and a version protects the one it was copied from (``based_on``), so they go
    first, the newest version before the one it was made from."""
    Comment.objects.filter(consultation__plan__slug=slug).delete()
    Consultation.objects.filter(plan__slug=slug).delete()
    PlanPhase.objects.filter(plan__slug=slug).delete()
    for version in PlanVersion.objects.filter(plan__slug=slug).order_by("-number"):
        version.delete()
    Plan.objects.filter(slug=slug).delete()


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # Only a session with database tests has a test database: never write elsewhere.
        assert connection.settings_dict["NAME"].startswith("test_")
        official, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        official.is_active = True
        official.set_unusable_password()  # acts through the code, never signs in
        official.save()
        official.groups.add(Group.objects.get(name=OFFICIALS))
        remove_plan(SLUG)  # what an interrupted run may have left
        plan = plan_with_text(SLUG)
        v1 = plan.versions.get(number=1)
        # The first round, on version 1, closed before version 2 was made.
        consultation = make_consultation(plan, opens_days_ago=40, title="第一次公示（征求意见稿）")
        comment = make_comment(
            consultation,
            body=OPINION,
            stance=Stance.SUGGEST,
            section=section(v1, "3.2"),
            version=v1,
            name="王五",
            consent_show_name=True,
        )
        moderation.answer(
            official, comment, Result.ADOPTED, "已在修改稿中调整为1250公顷。", publish=True
        )

        v2 = revised_draft(plan, official)
        change_list.refresh_changes(v2, official)
        change = v2.changes.get(key="section:3.2")
        change_list.explain_change(change, REASON, official)
        change_list.set_change_note(v2, "根据第一次公示的意见修改。", official)
        moderation.link_changes(official, comment, [change])
        publish_version(v2, official)
        PlanPhase.objects.create(
            plan=plan,
            kind=PhaseKind.EXPERT_REVIEW,
            title="修改稿专家论证会",
            starts_at=timezone.now() + timedelta(days=10),
            place="镇政府三楼会议室",
            how_to_take_part="村民代表可到场旁听。",
            version=v2,
        )
    yield {"plan": plan, "comment": comment, "change": change}
    with django_db_blocker.unblock():
        remove_plan(SLUG)
        official.is_active = False
        official.save()


def reading(text, without: str) -> str:
    """The compared text as one version reads it: without its ``ins`` or ``del`` parts and
    without the words read out only to screen readers."""
    return text.evaluate(
        """(e, without) => {
            const copy = e.cloneNode(true);
            copy.querySelectorAll(`${without}, .visually-hidden`).forEach((n) => n.remove());
            return copy.textContent.trim();
        }""",
        without,
    )


def skipped_heading_levels(page) -> list[str]:
    """Headings that come more than one level below the heading before them (an h1 followed
    by an h3): axe reports these only as a best practice of moderate impact, which
    assert_accessible lets pass, yet a screen reader's list of headings then misses a level."""
    return page.evaluate(
        """() => {
            let last = 0;
            const skipped = [];
            for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
                const level = Number(h.tagName[1]);
                if (level > last + 1) skipped.push(`${h.tagName}: ${h.textContent.trim()}`);
                last = level;
            }
            return skipped;
        }"""
    )


def test_a_resident_sees_what_changed_because_of_their_opinion(phone, live_url, scene):
    page = phone
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    comment, change = scene["comment"], scene["change"]

    # The plan page lists both versions; the second is the current one.
    page.goto(f"{live_url}/plans/{SLUG}/")
    versions = page.locator("details.version-list")
    if versions.get_attribute("open") is None:
        versions.locator("summary").click()
    entries = versions.locator("li")
    entries.first.wait_for()
    assert entries.count() == 2
    assert "第 1 版（征求意见稿）" in entries.nth(0).inner_text()
    second = entries.nth(1)
    assert "第 2 版（修改稿）" in second.inner_text()
    assert second.locator(".version-current").count() == 1
    versions.scroll_into_view_if_needed()
    save_screenshot(page, "versions-plan-list-phone")

    # 与上一版比较: the old words struck, the new ones inserted, inline in 3.2.
    second.get_by_role("link", name="与上一版比较").click()
    page.wait_for_url(f"**/plans/{SLUG}/v/2/changes/")
    changed = page.locator("#section-3-2")
    edit = changed.locator(".diff-edit")
    assert edit.locator("del.diff-del").count() >= 1 and edit.locator("ins.diff-ins").count() >= 1
    # Leaving out the inserted words reads version 1's sentence; leaving out the struck ones,
    # version 2's. Each change is announced ("删除：", "新增：") to a screen reader.
    text = changed.locator("div[lang=zh-Hans]")
    assert reading(text, without="ins") == TEXT_32
    assert reading(text, without="del") == TEXT_32_REVISED
    assert edit.locator("del.diff-del").first.text_content().startswith("删除：")
    assert edit.locator("ins.diff-ins").first.text_content().startswith("新增：")
    assert "本节修改 1 处" in changed.locator("h3 .diff-count").inner_text()
    struck = changed.locator("del.diff-del").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in struck
    changed.scroll_into_view_if_needed()
    assert_accessible(page, "versions-changes-phone")

    # The 修改说明: the change, its reason and the opinion that led to it.
    page.locator(".version-changes header").get_by_role("link", name="修改说明").click()
    page.wait_for_url(f"**/plans/{SLUG}/v/2/explanation/")
    item = page.locator(f"#change-{change.pk}")
    assert "3.2 控制线划定" in item.locator("h2").inner_text()
    assert REASON in item.locator(".change-explanation").inner_text()
    opinion_link = item.locator(".change-opinions a")
    assert opinion_link.get_attribute("href").endswith(f"/comments/{comment.pk}/")
    assert "王五" in item.locator(".change-opinions").inner_text()
    assert "采纳" in item.locator(".change-opinions .result").inner_text()
    item.scroll_into_view_if_needed()
    assert_accessible(page, "versions-explanation-phone")

    # The opinion's own page: the text as commented (version 1) and what became of it.
    opinion_link.click()
    page.wait_for_url(f"**/comments/{comment.pk}/")
    assert OPINION in page.locator(".public-comment-body").inner_text()
    made_on = page.locator(".made-on")
    assert "意见针对第 1 版（征求意见稿）。" in made_on.inner_text()
    assert made_on.locator("blockquote").inner_text().strip() == TEXT_32
    fate = made_on.locator("#section-fate")
    assert "该条文在第 2 版（修改稿）中已修改。" in fate.inner_text()
    to_change = fate.get_by_role("link", name="修改及理由")
    assert to_change.get_attribute("href").endswith(
        f"/plans/{SLUG}/v/2/explanation/#change-{change.pk}"
    )
    led_to = page.locator("#led-to a")
    assert led_to.get_attribute("href") == to_change.get_attribute("href")
    fate.scroll_into_view_if_needed()
    assert_accessible(page, "versions-comment-phone")
    to_change.click()
    page.wait_for_url(f"**/plans/{SLUG}/v/2/explanation/#change-{change.pk}")
    assert page.locator(f"#change-{change.pk}").is_visible()

    # Version 1's page says a later version superseded it and leads to the current one.
    page.goto(f"{live_url}/plans/{SLUG}/v/1/")
    banner = page.locator(".version-banner.version-superseded")
    assert "此版本已被第 2 版取代。" in banner.inner_text()
    assert TEXT_32 in page.locator("#section-3-2").inner_text()
    assert_accessible(page, "versions-v1-phone")
    banner.get_by_role("link", name="查看现行版本").click()
    page.wait_for_url(f"**/plans/{SLUG}/")
    assert "1250公顷" in page.locator("#section-3-2").inner_text()

    # The procedure: the round on version 1 and the review of version 2.
    page.goto(f"{live_url}/plans/{SLUG}/procedure/")
    timeline = page.locator("main")
    assert "第一次公示（征求意见稿）" in timeline.inner_text()
    assert "修改稿专家论证会" in timeline.inner_text()
    assert_accessible(page, "versions-procedure-phone")

    assert errors == []
    assert page.console_errors == []


def test_the_version_pages_are_accessible_on_a_desktop(browser, live_url, scene):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for name, path in [
        ("version", f"/plans/{SLUG}/v/2/"),
        ("changes", f"/plans/{SLUG}/v/2/changes/"),
        ("explanation", f"/plans/{SLUG}/v/2/explanation/"),
        ("comment", f"/comments/{scene['comment'].pk}/"),
        ("procedure", f"/plans/{SLUG}/procedure/"),
    ]:
        response = page.goto(f"{live_url}{path}")
        assert response.status == 200, path
        assert_accessible(page, f"versions-{name}-desktop")
        assert skipped_heading_levels(page) == [], path
    assert errors == []
    context.close()
