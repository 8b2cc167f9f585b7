"""A plan with two published versions, as the version pages, the API and the layer records
are tested on: version 1 published with its text, a layer and an indicator; version 2 made
with ``new_draft``, edited in the draft (a sentence of 3.2 changed, section 3.3 added, the
indicator's value changed), its layer given a second revision, then published."""

from dataclasses import dataclass
from decimal import Decimal

from layers.models import Layer
from layers.revisions.publishing import publish_revision
from planportal.models import Chapter, Indicator, IndicatorKind, Plan, PlanVersion, Section
from planportal.versions import new_draft, publish_version
from tests.factories import SOUTH, WEST, add_revision, make_layer, make_plan, square

OLD_SENTENCE = "严守生态保护红线。"
NEW_SENTENCE = "坚决守住生态保护红线。"
KEPT_SENTENCE = "优化城镇空间布局。"
TEXT_31 = "构建“一心两轴”的总体格局。"
ADDED_SECTION_TEXT = "新增的乡村振兴条文。"


@dataclass
class TwoVersions:
    plan: Plan
    v1: PlanVersion
    v2: PlanVersion
    layer: Layer


def paragraphs(*texts: str) -> list[dict]:
    return [{"type": "paragraph", "text": text} for text in texts]


def publish_first_version(
    slug: str = "test-town-2021-2035", text_32: str = "", extra_sections: int = 0
) -> Plan:
    """make_plan's plan with text in 3.1 and 3.2, an indicator and a layer, version 1
    published (the layer's revision 1 recorded with it); ``extra_sections`` more sections
    (3.10, 3.11, ...) make a longer text."""
    plan = make_plan(slug, published=False)
    v1 = plan.versions.get(number=1)
    Section.objects.filter(chapter__version=v1, number="3.1").update(blocks=paragraphs(TEXT_31))
    Section.objects.filter(chapter__version=v1, number="3.2").update(
        blocks=paragraphs(text_32 or OLD_SENTENCE + KEPT_SENTENCE)
    )
    chapter = Chapter.objects.get(version=v1, number=3)
    Section.objects.bulk_create(
        Section(chapter=chapter, number=f"3.{n}", title=f"第{n}节", position=n,
                blocks=paragraphs(f"第{n}节的条文。", KEPT_SENTENCE))
        for n in range(10, 10 + extra_sections)
    )  # fmt: skip
    Indicator.objects.create(
        version=v1, name="耕地保有量", value=Decimal("1200"), unit="公顷", year=2035,
        kind=IndicatorKind.BINDING,
    )  # fmt: skip
    make_layer(plan, layer_id(slug), shapes=[square(WEST, SOUTH, 0.01)])
    Plan.objects.filter(pk=plan.pk).update(is_published=True)
    publish_version(v1)
    return Plan.objects.get(pk=plan.pk)


def layer_id(slug: str) -> str:
    return f"{slug}-landuse"


def two_versions(
    slug: str = "test-town-2021-2035", text_32_v2: str = "", extra_sections: int = 0
) -> TwoVersions:
    plan = publish_first_version(slug, extra_sections=extra_sections)
    v2 = new_draft(plan)
    section_32 = Section.objects.get(chapter__version=v2, number="3.2")
    section_32.blocks = paragraphs(text_32_v2 or NEW_SENTENCE + KEPT_SENTENCE)
    section_32.save()
    chapter = Chapter.objects.get(version=v2, number=3)
    Section.objects.create(
        chapter=chapter, number="3.3", title="乡村振兴", position=2,
        blocks=paragraphs(ADDED_SECTION_TEXT),
    )  # fmt: skip
    Indicator.objects.filter(version=v2, name="耕地保有量").update(value=Decimal("1250"))
    layer = Layer.objects.get(collection_id=layer_id(slug))
    revision = add_revision(
        layer, [square(WEST, SOUTH, 0.01), square(WEST + 0.02, SOUTH + 0.02, 0.01)]
    )
    publish_revision(layer, revision)
    publish_version(v2)
    plan = Plan.objects.get(pk=plan.pk)
    return TwoVersions(plan, plan.versions.get(number=1), plan.versions.get(number=2), layer)
