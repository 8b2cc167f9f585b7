"""Versions of a plan (planportal/versions.py, migration 0011): PostgreSQL keeps a published
version as it was while a draft stays open to change; a new draft is a full copy of the
published version (figure files shared); publishing is recorded; residents read the published
(approved first) version and never a newer draft."""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.test import Client
from django.utils import timezone

from consultation.models import Consultation
from planportal import figures
from planportal.loader import stored_text
from planportal.models import (
    Chapter,
    Indicator,
    PhaseKind,
    Plan,
    PlanFigure,
    PlanPhase,
    PlanStatus,
    PlanVersion,
    Section,
    VersionKind,
)
from planportal.versions import (
    VersionRefused,
    current_version,
    new_draft,
    public_version,
    publish_version,
    version_published,
)
from tests.factories import make_layer, make_plan, square
from tests.planportal import figure_files

OLD_TEXT = [{"type": "paragraph", "text": "划定永久基本农田、生态保护红线和城镇开发边界。"}]
NEW_TEXT = [{"type": "paragraph", "text": "修改稿：城镇开发边界向东调整至兑镇河西岸。"}]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(db, media, planner) -> Plan:
    """make_plan's plan with text in 3.2, an indicator and a figure, version 1 published."""
    plan = make_plan(published=False)
    section = Section.objects.get(chapter__plan=plan, number="3.2")
    section.blocks = OLD_TEXT
    section.save()
    Indicator.objects.create(
        plan=plan,
        section=section,
        name="耕地保有量",
        value=Decimal("1200.5"),
        unit="公顷",
        year=2035,
        kind="binding",
    )
    figures.add_figure(
        planner,
        plan,
        name="a.png",
        content=figure_files.png(),
        title="镇域国土空间控制线规划图",
        section=section,
    )
    publish_version(plan.versions.get(number=1), planner)
    Plan.objects.filter(pk=plan.pk).update(is_published=True)
    return Plan.objects.get(pk=plan.pk)


@contextmanager
def refused_by_postgresql():
    """The trigger's refusal, in a savepoint so that the test's transaction goes on."""
    with (
        pytest.raises(IntegrityError, match="is published and cannot change"),
        transaction.atomic(),
    ):
        yield


def rows_of(version: PlanVersion) -> tuple[Chapter, Section, Indicator, PlanFigure]:
    chapter = version.chapters.get(number=3)
    return (
        chapter,
        chapter.sections.get(number="3.2"),
        version.indicators.get(),
        version.figures.get(),
    )


# --- What PostgreSQL refuses ----------------------------------------------------------------


def test_postgresql_refuses_every_change_to_a_published_version(plan):
    first = plan.versions.get(number=1)
    chapter, section, indicator, figure = rows_of(first)

    # UPDATE, through the models and straight through a queryset (no application check).
    section.blocks = NEW_TEXT
    with refused_by_postgresql():
        section.save()
    with refused_by_postgresql():
        Section.objects.filter(pk=section.pk).update(title="新标题")
    with refused_by_postgresql():
        Chapter.objects.filter(pk=chapter.pk).update(title="新章名")
    with refused_by_postgresql():
        Indicator.objects.filter(pk=indicator.pk).update(value=Decimal("1"))
    with refused_by_postgresql():
        PlanFigure.objects.filter(pk=figure.pk).update(title="新图名")
    with refused_by_postgresql():
        PlanVersion.objects.filter(pk=first.pk).update(preface=NEW_TEXT)
    with refused_by_postgresql():  # nor taken back to a draft
        PlanVersion.objects.filter(pk=first.pk).update(state="draft")

    # INSERT into the published version.
    with refused_by_postgresql():
        Section.objects.create(chapter=chapter, number="3.3", title="新增一节", position=2)
    with refused_by_postgresql():
        Chapter.objects.create(plan=plan, version=first, number=4, title="新增一章")
    with refused_by_postgresql():
        Indicator.objects.create(
            plan=plan, version=first, name="林地保有量", value=1, year=2035, kind="binding"
        )
    with refused_by_postgresql():
        PlanFigure.objects.create(
            plan=plan,
            version=first,
            title="新图",
            kind=figure.kind,
            content_type=figure.content_type,
            size=figure.size,
            sha256=figure.sha256,
            file=figure.file.name,
        )
    # Nor moved out of it into a draft.
    draft = new_draft(plan)
    with refused_by_postgresql():
        Chapter.objects.filter(pk=chapter.pk).update(version=draft)

    # Saving a row unchanged changes nothing and is no refusal.
    Section.objects.get(pk=section.pk).save()
    assert Section.objects.get(pk=section.pk).blocks == OLD_TEXT
    assert rows_of(PlanVersion.objects.get(pk=first.pk))[2].value == Decimal("1200.5")


def test_a_drafts_rows_change_freely(plan):
    draft = new_draft(plan)
    chapter, section, indicator, figure = rows_of(draft)
    section.blocks = NEW_TEXT
    section.save()
    Section.objects.filter(pk=section.pk).update(title="控制线划定（修改）")
    Chapter.objects.filter(pk=chapter.pk).update(title="国土空间格局（修改）")
    Indicator.objects.filter(pk=indicator.pk).update(value=Decimal("1300"))
    PlanFigure.objects.filter(pk=figure.pk).update(title="新图名")
    PlanVersion.objects.filter(pk=draft.pk).update(label="修改稿（第二次公示）")
    Section.objects.create(chapter=chapter, number="3.3", title="新增一节", position=2)
    Chapter.objects.create(plan=plan, version=draft, number=4, title="新增一章")
    Indicator.objects.create(
        plan=plan, version=draft, name="林地保有量", value=1, year=2035, kind="binding"
    )

    assert sorted(draft.chapters.values_list("title", flat=True)) == [
        "国土空间格局（修改）",
        "新增一章",
    ]
    assert Section.objects.get(pk=section.pk).blocks == NEW_TEXT
    assert draft.indicators.count() == 2
    # Version 1 is as it was.
    first = plan.versions.get(number=1)
    assert stored_text(first)["chapters"][0]["sections"][1]["blocks"] == OLD_TEXT
    assert first.indicators.get().value == Decimal("1200.5")
    assert first.figures.get().title == "镇域国土空间控制线规划图"


# --- A new draft ----------------------------------------------------------------------------


def test_new_draft_copies_text_indicators_and_figures_of_the_published_version(
    plan, planner, new_audit_events
):
    first = plan.versions.get(number=1)
    draft = new_draft(plan, planner, kind=VersionKind.REVISED, label="修改稿")
    assert (draft.number, draft.kind, draft.label, draft.based_on) == (
        2,
        "revised",
        "修改稿",
        first,
    )
    assert not draft.is_published
    assert new_draft(plan) == draft  # the working draft, not a third version

    assert stored_text(draft) == stored_text(first)
    _, section, indicator, figure = rows_of(draft)
    _, old_section, old_indicator, old_figure = rows_of(first)
    assert section.pk != old_section.pk and figure.pk != old_figure.pk
    # The copies point at the draft's own sections, not at version 1's.
    assert indicator.section == section and figure.section == section
    assert (indicator.name, indicator.value, indicator.unit) == (
        "耕地保有量",
        Decimal("1200.5"),
        "公顷",
    )
    assert (figure.title, figure.sha256, figure.file.name, figure.thumbnail.name) == (
        old_figure.title,
        old_figure.sha256,
        old_figure.file.name,
        old_figure.thumbnail.name,
    )
    event = new_audit_events().get(action="version.create")
    assert event.actor == planner
    assert event.after == {"version": 2, "based_on": 1, "kind": "revised"}


def test_deleting_a_drafts_copy_of_a_figure_keeps_the_published_versions_file(
    plan, planner, media, django_capture_on_commit_callbacks
):
    draft = new_draft(plan, planner)
    copy = draft.figures.get()
    with django_capture_on_commit_callbacks(execute=True):
        figures.delete_figure(planner, copy)
    assert not draft.figures.exists()

    published = plan.versions.get(number=1).figures.get()
    assert Path(published.file.path).is_file()
    assert Path(published.thumbnail.path).is_file()
    answer = Client().get(f"/plans/{plan.slug}/figures/{published.pk}/")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == Path(published.file.path).read_bytes()


# --- Publishing -----------------------------------------------------------------------------


def test_publishing_a_draft_makes_it_public_and_is_recorded(plan, planner, new_audit_events):
    draft = new_draft(plan, planner)
    heard = []

    def receiver(sender, version, actor, **kwargs):
        # Sent inside the transaction while the version may still be written to.
        heard.append((version.pk, version.is_published, actor))

    version_published.connect(receiver)
    try:
        published = publish_version(draft, planner)
    finally:
        version_published.disconnect(receiver)

    assert heard == [(draft.pk, False, planner)]
    published.refresh_from_db()
    assert published.is_published
    assert published.published_by == planner and published.published_at is not None
    event = new_audit_events().get(action="version.publish")
    assert (event.actor, event.object_id) == (planner, str(plan.pk))
    assert event.after == {"version": 2, "kind": "revised"}
    assert public_version(plan) == published

    with pytest.raises(VersionRefused):
        publish_version(published, planner)
    assert new_audit_events().filter(action="version.publish").count() == 1


def test_a_version_without_text_is_not_published(db):
    bare = Plan.objects.get(pk=make_plan(published=False).pk)
    Chapter.objects.filter(plan=bare).delete()
    with pytest.raises(VersionRefused):
        publish_version(bare.versions.get())
    assert not bare.versions.get().is_published
    assert public_version(bare) is None
    assert current_version(bare) == bare.versions.get()  # staff's preview: the draft


def test_publishing_the_approved_version_marks_the_plan_approved(plan, planner):
    approved = publish_version(new_draft(plan, planner, kind=VersionKind.APPROVED), planner)
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.APPROVED
    assert public_version(plan) == approved


# --- Which version residents read -----------------------------------------------------------


def test_public_version_prefers_the_published_approved_version(plan, planner):
    first = plan.versions.get(number=1)
    assert public_version(plan) == first
    new_draft(plan, planner)  # a draft is never public
    assert public_version(plan) == first

    revised = publish_version(plan.versions.get(number=2))
    assert public_version(plan) == revised  # the latest published

    # An approved version (批准成果) is what residents read even when a later one is published.
    other = make_plan("other-town-2021-2035", published=False)
    other.versions.filter(number=1).update(kind=VersionKind.APPROVED)
    approved = publish_version(other.versions.get(number=1))
    later = publish_version(new_draft(other, kind=VersionKind.REVISED))
    assert (later.number, later.is_published) == (2, True)
    assert public_version(other) == approved
    assert current_version(Plan.objects.get(pk=other.pk)) == approved


def test_the_plan_page_and_api_show_the_published_text_not_a_newer_draft(plan, planner, client):
    draft = new_draft(plan, planner)
    _, section, _, _ = rows_of(draft)
    section.title = "草案中的新标题"
    section.blocks = NEW_TEXT
    section.save()
    Chapter.objects.create(plan=plan, version=draft, number=4, title="草案中的新章")

    page = client.get(f"/plans/{plan.slug}/").content.decode()
    assert OLD_TEXT[0]["text"] in page
    assert NEW_TEXT[0]["text"] not in page and "草案中的新" not in page
    assert page.count('id="section-3-2"') == 1  # the sections of one version only
    body = client.get(f"/api/plans/{plan.slug}/").json()
    assert [c["title"] for c in body["chapters"]] == ["国土空间格局"]
    sections = body["chapters"][0]["sections"]
    assert [s["title"] for s in sections] == ["总体格局", "控制线划定"]
    assert NEW_TEXT[0]["text"] not in str(body)
    assert len(body["figures"]) == 1 and len(body["indicators"]) == 1

    publish_version(draft, planner)
    page = client.get(f"/plans/{plan.slug}/").content.decode()
    assert NEW_TEXT[0]["text"] in page and "草案中的新章" in page
    assert OLD_TEXT[0]["text"] not in page
    body = client.get(f"/api/plans/{plan.slug}/").json()
    assert [c["title"] for c in body["chapters"]] == ["国土空间格局", "草案中的新章"]


def test_a_layer_of_an_earlier_versions_section_is_on_the_map_of_the_newer_one(plan, client):
    first_section = plan.versions.get(number=1).chapters.get(number=3).sections.get(number="3.2")
    make_layer(plan, "control-lines", section=first_section, shapes=[square(112.02, 38.02, 0.05)])
    publish_version(new_draft(plan))
    page = client.get(f"/plans/{plan.slug}/").content.decode()
    section_html = page.split('id="section-3-2"')[1].split("</section>")[0]
    assert f'href="/plans/{plan.slug}/map/?section=3.2"' in section_html


def test_a_plan_is_deleted_with_all_its_versions_rounds_and_steps(plan, planner):
    """Versions hold on to each other (based_on), and a round and a procedure step to a
    version: none of that stops the plan itself from being deleted as a whole (RESTRICT, not
    PROTECT), while version 1 alone cannot go. (A plan with layers or comments is kept by
    those, as before versions.)"""
    second = new_draft(plan, planner)
    publish_version(second, planner)
    first = plan.versions.get(number=1)
    PlanPhase.objects.create(
        plan=plan, kind=PhaseKind.HEARING, starts_at=timezone.now(), place="镇政府", version=first
    )
    opens = timezone.now()
    Consultation.objects.create(
        plan=plan, title="第一轮", opens_at=opens, closes_at=opens + timedelta(days=40)
    )
    with pytest.raises(RestrictedError), transaction.atomic():
        first.delete()
    plan.delete()
    assert not PlanVersion.objects.filter(pk__in=[first.pk, second.pk]).exists()
