"""Plans with two versions for the tests of change lists, answers linked to changes and the
report across rounds: version 1 (征求意见稿) published with text in 3.1 and 3.2, then a
version 2 draft copied from it, edited as a test needs and published when it says so."""

from decimal import Decimal

from planportal.models import Indicator, IndicatorKind, Plan, PlanFigure, Section
from planportal.versions import new_draft, publish_version
from tests.factories import make_plan

TEXT_31 = "统筹划定三条控制线。"
TEXT_32 = "永久基本农田不低于1200公顷。生态保护红线不得擅自调整。"
TEXT_32_REVISED = "永久基本农田不低于1250公顷。生态保护红线不得擅自调整。"


def paragraphs(*texts: str) -> list[dict]:
    return [{"type": "paragraph", "text": text} for text in texts]


def plan_with_text(slug: str = "test-town-2021-2035", **fields) -> Plan:
    """make_plan's plan, its version 1 published with text in 3.1 and 3.2 and one indicator."""
    plan = make_plan(slug, published=False, **fields)
    version = plan.versions.get(number=1)
    Section.objects.filter(chapter__version=version, number="3.1").update(
        blocks=paragraphs(TEXT_31)
    )
    Section.objects.filter(chapter__version=version, number="3.2").update(
        blocks=paragraphs(TEXT_32)
    )
    Indicator.objects.create(
        plan=plan,
        version=version,
        name="永久基本农田保护面积",
        value=Decimal("1200"),
        unit="公顷",
        year=2035,
        kind=IndicatorKind.BINDING,
    )
    publish_version(version)
    Plan.objects.filter(pk=plan.pk).update(is_published=True)
    plan.refresh_from_db()
    return plan


def revised_draft(plan: Plan, actor=None):
    """Version 2, a draft copied from version 1, with 3.2 revised (one sentence changed)."""
    draft = new_draft(plan, actor)
    Section.objects.filter(chapter__version=draft, number="3.2").update(
        blocks=paragraphs(TEXT_32_REVISED)
    )
    return draft


def section(version, number: str) -> Section:
    return Section.objects.get(chapter__version=version, number=number)


def add_figure(version, title: str, sha: str) -> PlanFigure:
    return PlanFigure.objects.create(
        plan=version.plan,
        version=version,
        title=title,
        kind="image",
        file=f"figures/{sha[:8]}.png",
        content_type="image/png",
        size=100,
        sha256=sha * (64 // len(sha)),
    )


def publish(version, actor=None):
    return publish_version(version, actor)
