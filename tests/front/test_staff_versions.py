"""The planners' version pages (front/version_staff.py): a new draft copied from the published
version, its name and foreword, its text edited as lines, its chapters, sections and
indicators, publication after a confirmation, deletion, and the refusals (a published version,
a second draft, another plan's planner, a post without CSRF token). Real HTTP through the test
client, real PostGIS."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from planportal.block_text import blocks_to_text
from planportal.models import (
    AuditEvent,
    Indicator,
    IndicatorKind,
    PlanVersion,
    Section,
    StaffRole,
    VersionKind,
    VersionState,
)
from planportal.versions import new_draft, publish_version
from tests.factories import (
    grant,
    make_consultation,
    make_other_plan,
    make_plan,
    make_user,
)

pytestmark = pytest.mark.django_db

PUBLISHED_BLOCKS = [
    {"type": "paragraph", "text": "构建“一河两廊三片区”的国土空间保护格局。"},
    {"type": "list", "marker": "-", "items": ["兑镇河", "河谷生态廊道"]},
]


@pytest.fixture
def plan():
    """测试镇's plan, version 1 published with text in 3.1 and an indicator."""
    plan = make_plan(published=False)
    version = plan.versions.get(number=1)
    Section.objects.filter(chapter__version=version, number="3.1").update(blocks=PUBLISHED_BLOCKS)
    Indicator.objects.create(
        version=version,
        name="耕地保有量",
        value=Decimal("1234.5"),
        unit="公顷",
        year=2035,
        kind=IndicatorKind.BINDING,
    )
    publish_version(version)
    return plan


def _url(name, plan, *args):
    return reverse(name, args=[plan.slug, *args])


def _draft(plan, planner_client) -> PlanVersion:
    response = planner_client.post(
        _url("staff-version-create", plan), {"kind": VersionKind.REVISED, "label": "修改稿"}
    )
    assert response.status_code == 302
    return plan.versions.get(number=2)


def test_the_plans_page_links_each_plans_versions(planner_client, plan):
    page = planner_client.get(reverse("staff-plans")).content.decode()
    assert _url("staff-plan-versions", plan) in page


def test_the_versions_page_lists_every_version(planner_client, plan, planner):
    draft = _draft(plan, planner_client)
    page = planner_client.get(_url("staff-plan-versions", plan)).content.decode()
    assert 'id="version-1"' in page and 'id="version-2"' in page
    assert f"/plans/{plan.slug}/v/1/" in page and f"/plans/{plan.slug}/v/2/" in page
    assert _url("staff-plan-text", plan) in page
    assert _url("staff-version-publish", plan, draft.number) in page
    assert "修改稿" in page and "征求意见稿" in page
    # a draft exists: the page says so instead of offering another
    assert "仍在准备中" in page and _url("staff-version-create", plan) not in page
    draft.delete()
    page = planner_client.get(_url("staff-plan-versions", plan)).content.decode()
    assert "建立新版本" in page and _url("staff-version-create", plan) in page


def test_a_new_draft_copies_the_published_text_and_is_audited(planner_client, plan, planner):
    before = AuditEvent.objects.count()
    draft = _draft(plan, planner_client)
    assert (draft.state, draft.kind, draft.label, draft.based_on.number) == (
        VersionState.DRAFT,
        VersionKind.REVISED,
        "修改稿",
        1,
    )
    assert Section.objects.get(chapter__version=draft, number="3.1").blocks == PUBLISHED_BLOCKS
    assert draft.indicators.get().name == "耕地保有量"
    event = AuditEvent.objects.filter(action="version.create").latest("pk")
    assert event.actor == planner and AuditEvent.objects.count() == before + 1


def test_a_second_draft_is_refused_in_chinese(planner_client, plan):
    _draft(plan, planner_client)
    response = planner_client.post(
        _url("staff-version-create", plan), {"kind": VersionKind.REVISED}, follow=True
    )
    assert "仍在准备中" in response.content.decode()
    assert plan.versions.count() == 2


def test_editing_a_section_changes_the_draft_only(planner_client, plan, planner):
    draft = _draft(plan, planner_client)
    url = _url("staff-version-section", plan, draft.number, "3.1")
    page = planner_client.get(url).content.decode()
    assert "- 兑镇河" in page  # the lines the planner edits
    text = blocks_to_text(PUBLISHED_BLOCKS) + "\r\n### 新增小标题\r\n新增一段。"
    response = planner_client.post(url, {"title": "总体格局（修改）", "text": text})
    assert response.status_code == 302
    section = Section.objects.get(chapter__version=draft, number="3.1")
    assert section.title == "总体格局（修改）"
    assert section.blocks == PUBLISHED_BLOCKS + [
        {"type": "heading", "text": "新增小标题"},
        {"type": "paragraph", "text": "新增一段。"},
    ]
    published = Section.objects.get(chapter__version__number=1, chapter__plan=plan, number="3.1")
    assert (published.title, published.blocks) == ("总体格局", PUBLISHED_BLOCKS)
    event = AuditEvent.objects.filter(action="version.section").latest("pk")
    assert event.actor == planner
    assert event.before["title"] == "总体格局" and event.after["title"] == "总体格局（修改）"
    assert event.after["blocks"][-1] == {"type": "paragraph", "text": "新增一段。"}


def test_a_published_version_is_not_edited(planner_client, plan):
    url = _url("staff-version-section", plan, 1, "3.1")
    response = planner_client.post(url, {"title": "改", "text": "改"})
    assert response.status_code == 409
    assert "已发布" in response.content.decode()
    assert planner_client.get(url).status_code == 409
    for name in ("staff-version-edit", "staff-version-delete"):
        assert planner_client.post(_url(name, plan, 1), {"kind": "revised"}).status_code == 409
    published = Section.objects.get(chapter__version__number=1, chapter__plan=plan, number="3.1")
    assert (published.title, published.blocks) == ("总体格局", PUBLISHED_BLOCKS)
    assert plan.versions.get(number=1).is_published


def test_kind_label_and_foreword_of_a_draft(planner_client, plan, planner):
    draft = _draft(plan, planner_client)
    response = planner_client.post(
        _url("staff-version-edit", plan, draft.number),
        {"kind": VersionKind.SUBMISSION, "label": "报批稿", "change_note": "根据第一轮意见修改。"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.kind, draft.label, draft.change_note) == (
        VersionKind.SUBMISSION,
        "报批稿",
        "根据第一轮意见修改。",
    )
    event = AuditEvent.objects.filter(action="version.edit").latest("pk")
    assert event.actor == planner
    assert event.before["kind"] == VersionKind.REVISED
    assert event.after["change_note"] == "根据第一轮意见修改。"


def test_publishing_asks_first_then_publishes(planner_client, plan, planner):
    draft = _draft(plan, planner_client)
    url = _url("staff-version-publish", plan, draft.number)
    page = planner_client.get(url).content.decode()
    assert "不能再修改" in page and "csrfmiddlewaretoken" in page
    draft.refresh_from_db()
    assert not draft.is_published
    response = planner_client.post(url)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == planner
    assert AuditEvent.objects.filter(action="version.publish").latest("pk").actor == planner
    again = planner_client.post(url)
    assert again.status_code == 409 and "已经发布" in again.content.decode()


def test_a_draft_without_text_is_not_published(planner_client, plan):
    draft = _draft(plan, planner_client)
    draft.chapters.all().delete()
    response = planner_client.post(_url("staff-version-publish", plan, draft.number))
    assert response.status_code == 409
    assert "没有文本" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published


def test_deleting_a_draft(planner_client, plan, planner):
    draft = _draft(plan, planner_client)
    url = _url("staff-version-delete", plan, draft.number)
    assert planner_client.get(url).status_code == 200
    assert planner_client.post(url).status_code == 302
    assert list(plan.versions.values_list("number", flat=True)) == [1]
    event = AuditEvent.objects.filter(action="version.delete").latest("pk")
    assert event.actor == planner and event.before["version"] == 2
    assert event.before["sections"] == 2


def test_a_draft_a_round_points_at_is_kept(planner_client, plan):
    draft = _draft(plan, planner_client)
    make_consultation(plan, version=draft)
    response = planner_client.post(_url("staff-version-delete", plan, draft.number), follow=True)
    assert "不能删除" in response.content.decode()
    assert plan.versions.filter(number=2).exists()


def test_adding_and_deleting_a_section_and_renaming_a_chapter(planner_client, plan, planner):
    draft = _draft(plan, planner_client)
    add = planner_client.post(
        _url("staff-version-section-add", plan, draft.number, "3.1"),
        {"number": "3.3", "title": "镇村体系"},
    )
    assert add.status_code == 302
    order = list(
        Section.objects.filter(chapter__version=draft)
        .order_by("position")
        .values_list("number", flat=True)
    )
    assert order == ["3.1", "3.3", "3.2"]
    taken = planner_client.post(
        _url("staff-version-section-add", plan, draft.number, "3.1"),
        {"number": "3.2", "title": "重复"},
        follow=True,
    )
    assert "已有第 3.2 节" in taken.content.decode()
    delete = planner_client.post(_url("staff-version-section-delete", plan, draft.number, "3.2"))
    assert delete.status_code == 302
    assert not Section.objects.filter(chapter__version=draft, number="3.2").exists()
    assert Section.objects.filter(chapter__version__number=1, chapter__plan=plan).count() == 2
    rename = planner_client.post(
        _url("staff-version-chapter", plan, draft.number, 3), {"title": "统筹规划"}
    )
    assert rename.status_code == 302
    assert draft.chapters.get(number=3).title == "统筹规划"
    assert plan.versions.get(number=1).chapters.get(number=3).title == "国土空间格局"
    actions = list(
        AuditEvent.objects.filter(actor=planner, action__startswith="version.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "version.create",
        "version.section_add",
        "version.section_delete",
        "version.chapter",
    ]


def test_the_indicators_of_a_draft(planner_client, plan, planner):
    draft = _draft(plan, planner_client)
    indicator = draft.indicators.get()
    url = _url("staff-version-indicators", plan, draft.number)
    assert "耕地保有量" in planner_client.get(url).content.decode()
    prefix = f"i{indicator.pk}"
    fields = {
        f"{prefix}-value": "1300",
        f"{prefix}-unit": "公顷",
        f"{prefix}-year": "2035",
        f"{prefix}-kind": IndicatorKind.EXPECTED,
    }
    assert planner_client.post(url, fields).status_code == 302
    indicator.refresh_from_db()
    assert (indicator.value, indicator.kind) == (Decimal("1300"), IndicatorKind.EXPECTED)
    published = plan.versions.get(number=1).indicators.get()
    assert published.value == Decimal("1234.5")
    event = AuditEvent.objects.filter(action="version.indicators").latest("pk")
    assert event.actor == planner
    assert event.before["indicators"][0]["value"] == "1234.5"
    assert event.after["indicators"][0]["value"] == "1300"
    bad = planner_client.post(url, {**fields, f"{prefix}-year": "两千"})
    assert bad.status_code == 400
    assert planner_client.post(_url("staff-version-indicators", plan, 1), fields).status_code == 409


def test_a_planner_of_another_plan_gets_403(plan):
    other_planner = make_user("other.planner", is_staff=True)
    grant(other_planner, StaffRole.PLANNER, plan=make_other_plan())
    client = Client()
    client.force_login(other_planner)
    before = AuditEvent.objects.count()
    assert client.get(_url("staff-plan-versions", plan)).status_code == 403
    assert client.post(_url("staff-version-create", plan), {"kind": "revised"}).status_code == 403
    draft = new_draft(plan, kind=VersionKind.REVISED)
    section_url = _url("staff-version-section", plan, draft.number, "3.1")
    assert client.post(section_url, {"title": "x", "text": "x"}).status_code == 403
    assert client.post(_url("staff-version-publish", plan, draft.number)).status_code == 403
    assert AuditEvent.objects.count() == before + 1  # only the draft made here
    draft.refresh_from_db()
    assert not draft.is_published


def test_an_official_and_a_stranger_are_refused(official_client, client, plan):
    assert official_client.get(_url("staff-plan-versions", plan)).status_code == 403
    assert client.get(_url("staff-plan-versions", plan)).status_code == 302  # to the login


def test_a_post_without_csrf_token_is_refused(planner):
    plan = make_plan()
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)
    response = client.post(_url("staff-version-create", plan), {"kind": "revised"})
    assert response.status_code == 403
    assert plan.versions.count() == 1


def test_import_plan_new_version_publish_creates_and_publishes_v2(tmp_path, plan):
    document = tmp_path / "修改稿.md"
    document.write_text(
        "# 第三章 国土空间格局\n\n## 3.1 总体格局\n\n"
        "构建“一河两廊”的国土空间保护格局，修改后的文字。\n\n"
        "## 3.2 控制线划定\n\n落实上位规划三条控制线。\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command(
        "import_plan", str(document), "--slug", plan.slug, "--new-version", "--publish", stdout=out
    )
    versions = list(plan.versions.order_by("number"))
    assert [(v.number, v.state) for v in versions] == [
        (1, VersionState.PUBLISHED),
        (2, VersionState.PUBLISHED),
    ]
    assert versions[1].kind == VersionKind.REVISED
    text = " ".join(
        str(block)
        for s in Section.objects.filter(chapter__version=versions[1])
        for block in s.blocks
    )
    assert "修改后的文字" in text
    published = Section.objects.get(chapter__version=versions[0], number="3.1")
    assert published.blocks == PUBLISHED_BLOCKS
    assert versions[1].text_imports.get().original_name == "修改稿.md"
    assert "version 2" in out.getvalue()


def test_the_pages_of_a_draft_and_of_a_published_version_escape_what_staff_typed(
    planner_client, plan
):
    draft = _draft(plan, planner_client)
    planner_client.post(
        _url("staff-version-edit", plan, draft.number),
        {"kind": VersionKind.REVISED, "label": "<script>x</script>", "change_note": "<b>说明</b>"},
    )
    for url in (
        _url("staff-plan-versions", plan),
        _url("staff-version", plan, draft.number),
        _url("staff-version-edit", plan, draft.number),
        _url("staff-version-publish", plan, draft.number),
        _url("staff-version-delete", plan, draft.number),
        _url("staff-version-indicators", plan, draft.number),
        _url("staff-version", plan, 1),
        _url("staff-version-indicators", plan, 1),
    ):
        response = planner_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "<script>x</script>" not in page and "<b>说明</b>" not in page, url
    detail = planner_client.get(_url("staff-version", plan, 1)).content.decode()
    assert "已发布，不能修改" in detail or "这一版已发布" in detail
    assert _url("staff-version-section", plan, 1, "3.1") not in detail
