"""A version's change list (修改说明, planportal/change_list.py) and the planners' page of it:
the rows come from the diff against the version before it (sections, indicators, figures),
refreshing keeps the reasons written and drops changes that disappeared, rows others add
(layers) survive, and a published version's list cannot change (409 on the page, refused by
the module and by PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from planportal import change_list
from planportal.models import AuditEvent, ChangeKind, Chapter, Indicator, Section, VersionChange
from tests.change_helpers import (
    TEXT_32,
    add_figure,
    paragraphs,
    plan_with_text,
    publish,
    revised_draft,
)
from tests.factories import audit_baseline, make_planner, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return plan_with_text()


@pytest.fixture
def draft(plan, planner):
    return revised_draft(plan, planner)


def rows(version) -> dict[str, VersionChange]:
    return {c.key: c for c in version.changes.all()}


def page_url(plan, number: int) -> str:
    return f"/staff/plans/{plan.slug}/versions/{number}/changes/"


def test_refresh_lists_a_changed_section_with_its_count(draft, planner):
    outcome = change_list.refresh_changes(draft, planner)
    listed = rows(draft)
    assert list(listed) == ["section:3.2"]
    change = listed["section:3.2"]
    assert change.kind == ChangeKind.TEXT
    assert change.subject == "3.2 控制线划定"
    assert change.summary == "本节修改 1 处"
    assert outcome.added == ["section:3.2"] and outcome.base.number == 1
    event = AuditEvent.objects.filter(action="version.changes.refresh").latest("pk")
    assert event.after["added"] == ["section:3.2"] and event.actor == planner


def test_added_and_removed_sections_indicators_and_figures_are_listed(plan, draft):
    chapter = Chapter.objects.get(version=draft, number=3)
    Section.objects.create(
        chapter=chapter, number="3.3", title="村庄分类", position=2, blocks=paragraphs("新增。")
    )
    Section.objects.filter(chapter=chapter, number="3.1").delete()
    Indicator.objects.filter(version=draft).update(value=Decimal("1250"))
    Indicator.objects.create(
        plan=plan, version=draft, name="林地保有量", value=Decimal("800"), unit="公顷", year=2035,
        kind="expected",
    )  # fmt: skip
    add_figure(draft, "国土空间总体格局规划图", "ab")
    change_list.refresh_changes(draft)
    listed = rows(draft)
    assert listed["section:3.3"].summary == "新增"
    assert listed["section:3.1"].summary == "删除"
    assert listed["indicator:永久基本农田保护面积"].summary.startswith("由 1200公顷")
    assert "1250公顷" in listed["indicator:永久基本农田保护面积"].summary
    assert listed["indicator:林地保有量"].summary.startswith("新增")
    figure = [c for c in listed.values() if c.kind == ChangeKind.FIGURE]
    assert [(c.subject, c.summary) for c in figure] == [("国土空间总体格局规划图", "新增")]


def test_refresh_keeps_reasons_and_drops_changes_that_disappeared(draft, planner):
    change_list.refresh_changes(draft, planner)
    change = rows(draft)["section:3.2"]
    change_list.explain_change(change, "根据村民意见调整农田面积。", planner)
    other = change_list.add_change(
        draft, ChangeKind.OTHER, "other:boundary-note", "镇域范围说明", "补充说明 1 处"
    )
    # Another sentence edited: the row is updated, its reason kept.
    Section.objects.filter(chapter__version=draft, number="3.1").update(
        blocks=paragraphs("统筹划定三条控制线和其他管控边界。")
    )
    outcome = change_list.refresh_changes(draft, planner)
    listed = rows(draft)
    assert outcome.added == ["section:3.1"]
    assert listed["section:3.2"].explanation == "根据村民意见调整农田面积。"
    assert listed["other:boundary-note"].pk == other.pk
    # 3.2 back as it was: its change disappears, with its row; the row added by hand stays.
    Section.objects.filter(chapter__version=draft, number="3.2").update(blocks=paragraphs(TEXT_32))
    outcome = change_list.refresh_changes(draft, planner)
    assert outcome.removed == ["section:3.2"]
    assert set(rows(draft)) == {"section:3.1", "other:boundary-note"}
    assert [c.key for c in draft.changes.order_by("position")][-1] == "other:boundary-note"


def test_a_published_versions_changes_cannot_be_edited(draft, planner):
    change_list.refresh_changes(draft, planner)
    change = rows(draft)["section:3.2"]
    publish(draft, planner)
    draft.refresh_from_db()
    for step in (
        lambda: change_list.refresh_changes(draft, planner),
        lambda: change_list.explain_change(change, "事后补写", planner),
        lambda: change_list.add_change(draft, ChangeKind.LAYER, "layer:x", "图层"),
        lambda: change_list.set_change_note(draft, "前言", planner),
    ):
        with pytest.raises(change_list.ChangesRefused, match="已发布"):
            step()
    # PostgreSQL refuses it too, whatever the application asks.
    with pytest.raises(IntegrityError), transaction.atomic():
        VersionChange.objects.filter(pk=change.pk).update(explanation="事后补写")
    assert rows(draft)["section:3.2"].explanation == ""


def test_the_planner_refreshes_and_explains_on_the_page(plan, draft, planner_client):
    url = page_url(plan, draft.number)
    assert planner_client.get(url).status_code == 200
    response = planner_client.post(url, {"action": "refresh"})
    assert response.status_code == 302
    change = rows(draft)["section:3.2"]
    page = planner_client.get(url).content.decode()
    assert "3.2 控制线划定" in page and "本节修改 1 处" in page
    reason = "<script>alert(1)</script>按意见调整"
    response = planner_client.post(
        url, {"action": "explain", "change": change.pk, "explanation": reason}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.explanation == reason
    page = planner_client.get(url).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;按意见调整" in page
    response = planner_client.post(
        url, {"action": "note", "change_note": "根据第一次公示意见修改。"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.change_note == "根据第一次公示意见修改。"
    assert AuditEvent.objects.filter(action="version.change.explain").exists()


def test_a_drafts_page_and_its_change_list_lead_to_each_other(plan, draft, planner_client):
    """A planner who has just edited the draft's text reaches its 修改说明 from the draft's page,
    and goes back from there; version 1, made from nothing, has no change list to link."""
    version_page = f"/staff/plans/{plan.slug}/versions/{draft.number}/"
    page = planner_client.get(version_page).content.decode()
    assert f'href="{page_url(plan, draft.number)}">修改说明</a>' in page
    changes = planner_client.get(page_url(plan, draft.number)).content.decode()
    assert f'href="{version_page}">返回版本</a>' in changes
    assert f'href="/staff/plans/{plan.slug}/versions/">返回版本列表</a>' in changes
    first = planner_client.get(f"/staff/plans/{plan.slug}/versions/1/").content.decode()
    assert page_url(plan, 1) not in first


def test_a_too_long_reason_is_refused_with_a_message_and_changes_nothing(
    plan, draft, planner_client
):
    change_list.refresh_changes(draft)
    change = rows(draft)["section:3.2"]
    response = planner_client.post(
        page_url(plan, draft.number),
        {"action": "explain", "change": change.pk, "explanation": "长" * 5000},
    )
    assert response.status_code == 400
    assert "不超过 4000 字符" in response.content.decode()  # Django's message for max_length
    change.refresh_from_db()
    assert change.explanation == ""


def test_the_page_refuses_any_change_of_a_published_version_with_409(plan, draft, planner_client):
    change_list.refresh_changes(draft)
    change = rows(draft)["section:3.2"]
    publish(draft)
    url = page_url(plan, draft.number)
    before = audit_baseline()
    for data in (
        {"action": "refresh"},
        {"action": "explain", "change": change.pk, "explanation": "事后补写"},
        {"action": "note", "change_note": "前言"},
    ):
        response = planner_client.post(url, data)
        assert response.status_code == 409
        assert "已发布" in response.content.decode()
    assert not AuditEvent.objects.filter(pk__gt=before).exists()
    page = planner_client.get(url)
    assert page.status_code == 200 and 'name="explanation"' not in page.content.decode()


def test_only_planners_of_the_plan_reach_the_page(plan, draft):
    official = Client()
    official.force_login(make_user("someone", is_staff=True))
    assert official.get(page_url(plan, draft.number)).status_code == 403
    anonymous = Client().get(page_url(plan, draft.number))
    assert anonymous.status_code == 302
    planner = Client()
    planner.force_login(make_planner("another.planner"))
    assert planner.get(page_url(plan, 9)).status_code == 404


def test_the_public_explanation_page_shows_the_foreword_and_reasons(client, plan, draft):
    change_list.refresh_changes(draft)
    change = rows(draft)["section:3.2"]
    change_list.explain_change(change, "农田面积<b>按意见</b>调整。")
    change_list.set_change_note(draft, "根据第一次公示收到的意见修改。")
    url = f"/plans/{plan.slug}/v/{draft.number}/explanation/"
    assert client.get(url).status_code == 404  # a draft is not public
    publish(draft)
    page = client.get(url).content.decode()
    assert "根据第一次公示收到的意见修改。" in page
    assert f'id="change-{change.pk}"' in page
    assert "农田面积&lt;b&gt;按意见&lt;/b&gt;调整。" in page
    assert f"/plans/{plan.slug}/v/2/changes/?against=1#section-3-2" in page
