"""The staff side of issue 12 in real Chromium on a desktop, through the pages only: a planner
makes version 2 (修改稿) of a plan whose version 1 (征求意见稿) was consulted on, rewrites a
sentence of 3.2, lists the changes (修改说明) with their reason and foreword and publishes the
version; an official links the adopted opinion on 3.2 to that change; the planner makes and
publishes the approved plan (批准成果) and the official records its approval (机关, 文号). The
public pages then show the opinion under the change, the change on the opinion's page, the
approval on the plan page and version 2 as superseded, and the audit trail names who did each
step.

The plan, the round, the opinion and the two accounts are committed here (the live server
cannot see a test's transaction) and removed afterwards; the accounts are deactivated, not
deleted, as the append-only audit trail keeps pointing at them."""

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from consultation import moderation
from consultation.models import Result, Stance
from planportal.models import AuditEvent, PhaseKind, PlanVersion, VersionChange
from planportal.periods import CHINA
from planportal.roles import OFFICIALS, PLANNERS
from tests.browser.test_plan_versions_browser import remove_plan
from tests.change_helpers import TEXT_32, TEXT_32_REVISED, plan_with_text, section
from tests.conftest import save_screenshot
from tests.factories import audit_baseline, make_comment, make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SLUG = "browser-staff-versions-2021-2035"
PLANNER = "browser.versions.planner"
OFFICIAL = "browser.versions.answering"
PASSWORD = "Version-Every-Change-2035"
OPINION = "建议把永久基本农田面积改为1250公顷，按村里实际耕地核定。"
LABEL = "修改稿（第二次公示）"  # the label the form's help suggests
V2 = f"第 2 版：{LABEL}"  # how pages name version 2: its label stands for its kind
REASON = "采纳村民意见，按实地核实的耕地面积调整为1250公顷。"
FOREWORD = "根据第一次公示收到的意见，对第三章作如下修改。"
AUTHORITY = "孝义市人民政府"
DOCUMENT_NUMBER = "孝政函〔2025〕88号"


def staff_account(username: str, group: str):
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    user.is_active = True
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # Only a session with database tests has a test database: never write elsewhere.
        assert connection.settings_dict["NAME"].startswith("test_")
        planner = staff_account(PLANNER, PLANNERS)
        official = staff_account(OFFICIAL, OFFICIALS)
        remove_plan(SLUG)  # what an interrupted run may have left
        plan = plan_with_text(SLUG)
        v1 = plan.versions.get(number=1)
        consultation = make_consultation(plan, opens_days_ago=40, title="第一次公示（征求意见稿）")
        comment = make_comment(
            consultation,
            body=OPINION,
            stance=Stance.SUGGEST,
            section=section(v1, "3.2"),
            version=v1,
            name="赵四",
            consent_show_name=True,
        )
        moderation.answer(official, comment, Result.ADOPTED, "将在修改稿中调整。", publish=True)
    yield {"plan": plan, "comment": comment}
    with django_db_blocker.unblock():
        remove_plan(SLUG)
        for user in (planner, official):
            user.is_active = False
            user.set_unusable_password()
            user.save()


def desktop(browser):
    """A 1280 px wide page that keeps the page's errors and console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    return context, page


def sign_in(page, live_url: str, username: str, path: str) -> None:
    page.goto(f"{live_url}/staff/login/?next={path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{live_url}{path}")


def submit(page, button) -> None:
    """Clicks a form's button and waits for the page the server answers with (after its
    redirect)."""
    with page.expect_navigation():
        button.click()


def message(page) -> str:
    return page.locator(".staff-messages").inner_text()


def create_version(page, live_url: str, kind: str, label: str) -> None:
    """On the versions page: 建立新版本 of ``kind``; lands on the new draft's page."""
    page.goto(f"{live_url}/staff/plans/{SLUG}/versions/")
    page.select_option("#id_kind", kind)
    page.fill("#id_label", label)
    submit(page, page.get_by_role("button", name="建立新版本"))


def publish_version(page, live_url: str, number: int, says: str = "") -> None:
    """From the versions page through the confirmation page, which warns that a published
    version cannot change (and ``says`` what more it should)."""
    page.goto(f"{live_url}/staff/plans/{SLUG}/versions/")
    page.locator(f"#version-{number}").get_by_role("link", name="发布", exact=True).click()
    page.wait_for_url(f"**/staff/plans/{SLUG}/versions/{number}/publish/")
    confirm = page.locator(".confirm-box")
    assert "发布后，这一版将不能再修改" in confirm.inner_text()
    assert says in confirm.inner_text()
    save_screenshot(page, f"staff-versions-publish-{number}")
    submit(page, confirm.locator("button[type=submit]"))
    assert page.url == f"{live_url}/staff/plans/{SLUG}/versions/"
    assert page.locator(f"#version-{number} .published-marker").count() == 1


def test_planners_and_officials_make_explain_link_and_approve_a_version(browser, live_url, scene):
    comment = scene["comment"]
    baseline = audit_baseline()
    planner_context, page = desktop(browser)

    # 1. The planner makes version 2 (修改稿) and rewrites a sentence of its 3.2.
    sign_in(page, live_url, PLANNER, f"/staff/plans/{SLUG}/versions/")
    assert page.locator("#version-1 .published-marker").count() == 1
    save_screenshot(page, "staff-versions-list")
    create_version(page, live_url, "revised", LABEL)
    assert page.url == f"{live_url}/staff/plans/{SLUG}/versions/2/"
    assert page.locator("h1").inner_text() == V2
    assert f"已建立{V2}，内容复制自已发布的版本。" in message(page)
    page.locator("#chapter-3").get_by_role("link", name="3.2 控制线划定").click()
    page.wait_for_url(f"**/staff/plans/{SLUG}/versions/2/sections/3.2/")
    text = page.locator("textarea#id_text")
    assert text.input_value().strip() == TEXT_32
    text.fill(text.input_value().replace("1200公顷", "1250公顷"))
    save_screenshot(page, "staff-versions-section-edit")
    submit(page, page.get_by_role("button", name="保存", exact=True))
    assert "第 3.2 节已保存。" in message(page)
    assert page.locator("textarea#id_text").input_value().strip() == TEXT_32_REVISED

    # The published version 1 keeps its words; the draft's preview has the new ones.
    page.goto(f"{live_url}/plans/{SLUG}/v/1/")
    assert TEXT_32 in page.locator("#section-3-2").inner_text()
    page.goto(f"{live_url}/plans/{SLUG}/v/2/")
    assert TEXT_32_REVISED in page.locator("#section-3-2").inner_text()
    v1, v2 = (PlanVersion.objects.get(plan__slug=SLUG, number=n) for n in (1, 2))
    assert section(v1, "3.2").blocks == [{"type": "paragraph", "text": TEXT_32}]
    assert section(v2, "3.2").blocks == [{"type": "paragraph", "text": TEXT_32_REVISED}]

    # 2. The change list (修改说明), reached from the draft's page: refreshed from the
    # comparison, a reason, a foreword.
    page.goto(f"{live_url}/staff/plans/{SLUG}/versions/2/sections/3.2/")
    page.get_by_role("link", name="返回版本", exact=True).click()
    page.wait_for_url(f"**/staff/plans/{SLUG}/versions/2/")
    page.locator(".staff-links").get_by_role("link", name="修改说明", exact=True).click()
    page.wait_for_url(f"**/staff/plans/{SLUG}/versions/2/changes/")
    assert "尚未列出修改。" in page.locator("#change-list").inner_text()
    submit(page, page.get_by_role("button", name="根据版本对比刷新修改清单"))
    assert "已刷新：新增 1 项" in message(page)
    change = VersionChange.objects.get(version=v2, key="section:3.2")
    row = page.locator(f"#{change.anchor}")
    assert "3.2 控制线划定" in row.inner_text()
    assert page.locator("#change-list tbody tr").count() == 1
    row.locator("textarea").fill(REASON)
    submit(page, row.get_by_role("button", name="保存修改理由"))
    assert "修改理由已保存" in message(page)
    note = page.locator("#change-note-form")
    note.locator("textarea").fill(FOREWORD)
    submit(page, note.get_by_role("button", name="保存前言"))
    assert "前言已保存。" in message(page)
    assert page.locator(f"#{change.anchor} textarea").input_value() == REASON
    assert page.locator("#change-note-form textarea").input_value() == FOREWORD
    save_screenshot(page, "staff-versions-change-list")

    # 3. Version 2 is published through its confirmation page; the versions page lists its
    # 修改说明.
    page.get_by_role("link", name="返回版本列表").click()
    page.wait_for_url(f"**/staff/plans/{SLUG}/versions/")
    assert page.locator("#version-2").get_by_role("link", name="修改说明", exact=True).count() == 1
    publish_version(page, live_url, 2)
    assert f"{V2}已发布。" in message(page)

    # 4. The official links the adopted opinion to the change (由此修改).
    official_context, answering = desktop(browser)
    sign_in(answering, live_url, OFFICIAL, f"/staff/comments/{comment.pk}/")
    form = answering.locator("form.answer-form")
    assert form.locator("input[name=result][value=adopted]").is_checked()
    assert "由此修改" in form.inner_text()
    choice = form.get_by_label(f"{V2}：3.2 控制线划定")
    assert not choice.is_checked()
    choice.check()
    save_screenshot(answering, "staff-versions-answer-links")
    submit(answering, form.get_by_role("button", name="保存答复"))
    linked = answering.locator("ul.linked-changes a")
    assert linked.count() == 1
    explanation = f"/plans/{SLUG}/v/2/explanation/#{change.anchor}"
    assert linked.get_attribute("href") == explanation
    assert answering.locator("form.answer-form").get_by_label(f"{V2}：3.2 控制线划定").is_checked()

    # The public 修改说明 shows the opinion under the change; the opinion's page links to it.
    answering.goto(f"{live_url}/plans/{SLUG}/v/2/explanation/")
    item = answering.locator(f"#{change.anchor}")
    assert REASON in item.locator(".change-explanation").inner_text()
    assert FOREWORD in answering.locator("main").inner_text()
    opinion = item.locator(".change-opinions a")
    assert opinion.get_attribute("href").endswith(f"/comments/{comment.pk}/")
    assert "赵四" in item.locator(".change-opinions").inner_text()
    item.scroll_into_view_if_needed()
    save_screenshot(answering, "staff-versions-public-explanation")
    opinion.click()
    answering.wait_for_url(f"**/comments/{comment.pk}/")
    led_to = answering.locator("#led-to a")
    assert led_to.get_attribute("href") == explanation
    assert f"{V2}：3.2 控制线划定" in led_to.inner_text()

    # 5. The planner makes the approved plan (批准成果) and publishes it ...
    create_version(page, live_url, "approved", "批准成果")
    assert page.locator("h1").inner_text() == "第 3 版（批准成果）"
    publish_version(page, live_url, 3, says="这是批准成果：发布后规划标记为已批准")
    assert page.errors == []
    planner_context.close()

    # ... and the official records its approval on the procedure page.
    approved_on = timezone.now().astimezone(CHINA) - timedelta(days=1)
    answering.goto(f"{live_url}/staff/plans/{SLUG}/procedure/")
    step = answering.locator("form.phase-form")
    step.locator("#id_kind").select_option(PhaseKind.APPROVAL)
    step.locator("#id_title").fill("总体规划获批")
    step.locator("#id_starts_at").fill(approved_on.strftime("%Y-%m-%dT%H:%M"))
    step.locator("#id_authority").fill(AUTHORITY)
    step.locator("#id_document_number").fill(DOCUMENT_NUMBER)
    option = step.locator("#id_version option", has_text="第 3 版（批准成果）")
    step.locator("#id_version").select_option(option.get_attribute("value"))
    save_screenshot(answering, "staff-versions-approval-step")
    submit(answering, step.get_by_role("button", name="添加该环节"))
    assert "已添加环节" in message(answering)
    assert DOCUMENT_NUMBER in answering.locator("main").inner_text()

    # The public plan page: the approved plan with its 文号; version 2 is superseded.
    answering.goto(f"{live_url}/plans/{SLUG}/")
    mark = answering.locator(".approval-mark")
    assert "批准成果" in mark.inner_text()
    assert mark.locator(".approval-number").inner_text() == DOCUMENT_NUMBER
    assert mark.locator(".approval-authority").inner_text() == AUTHORITY
    assert f"{approved_on.date().isoformat()} 批准" in mark.inner_text()
    save_screenshot(answering, "staff-versions-approved-plan")
    answering.goto(f"{live_url}/plans/{SLUG}/v/2/")
    banner = answering.locator(".version-banner.version-superseded")
    assert "此版本已被第 3 版取代。" in banner.inner_text()
    save_screenshot(answering, "staff-versions-v2-superseded")
    assert answering.errors == []
    official_context.close()

    # 6. The audit trail: each step, by whom.
    events = AuditEvent.objects.filter(pk__gt=baseline, actor_name__in=[PLANNER, OFFICIAL])
    steps = Counter(events.values_list("actor_name", "action"))
    assert steps[(PLANNER, "version.create")] == 2
    assert steps[(PLANNER, "version.section")] == 1
    assert steps[(PLANNER, "version.changes.refresh")] == 1
    assert steps[(PLANNER, "version.change.explain")] == 1
    assert steps[(PLANNER, "version.change_note")] == 1
    assert steps[(PLANNER, "version.publish")] == 2
    assert steps[(OFFICIAL, "reply.link_changes")] == 1
    assert steps[(OFFICIAL, "phase.add")] == 1
    link = events.get(action="reply.link_changes")
    assert link.object_id == str(comment.pk)
    assert link.after == {"changes": [{"version": 2, "key": "section:3.2"}]}
    approval = events.get(action="phase.add")
    assert approval.after["document_number"] == DOCUMENT_NUMBER
    assert approval.after["version"] == 3
    # Each did only their own part: the planner neither answered nor recorded a step, the
    # official changed no text.
    assert {action for name, action in steps if name == OFFICIAL} == {
        "login.succeeded",
        "reply.link_changes",
        "phase.add",
    }
    assert {action for name, action in steps if name == PLANNER} == {
        "login.succeeded",
        "version.create",
        "version.section",
        "version.changes.refresh",
        "version.change.explain",
        "version.change_note",
        "version.publish",
    }
