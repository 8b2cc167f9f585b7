"""Loads a plan (metadata, full text, indicators, extent) from its fixture folder.

Idempotent: a plan is matched by slug, chapters by number, sections by number and indicators
by name, and updated in place, so loading twice duplicates nothing and keeps the primary keys
that comments and layers point at. Only parts that disappeared from the fixture are deleted.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.db.models import Prefetch

from planportal.models import Chapter, Indicator, IndicatorRole, Plan, PlanVersion, Section
from planportal.versions import latest_version, publish_version


@dataclass(frozen=True)
class LoadResult:
    plan: Plan
    created: bool
    chapters: int
    sections: int
    indicators: int


def load_plan(meta_path: Path, publish: bool = True) -> LoadResult:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    text = json.loads((meta_path.parent / meta["text"]).read_text(encoding="utf-8"))
    extent, extent_note = _read_extent(meta_path.parent / meta["extent"])
    with transaction.atomic():
        plan, created = Plan.objects.update_or_create(
            slug=meta["slug"],
            defaults={
                "name": meta["name"],
                "region_code": meta["region_code"],
                "region_name": meta["region_name"],
                "organisation": meta["organisation"],
                "issued": meta["issued"],
                "period_start": meta["period_start"],
                "period_end": meta["period_end"],
                "status": meta["status"],
                "is_published": publish,
                "contact_phone": meta["contact_phone"],
                "contact_email": meta["contact_email"],
                "extent": extent,
                "extent_note": extent_note,
            },
        )
        version = latest_version(plan)
        _refuse_changing_a_published_version(version, text, meta)
        for name in ("cover", "preface", "closing"):
            setattr(version, name, text[name])
        version.indicators_note = meta.get("indicators_note", "")
        version.save()
        sections = _load_chapters(version, text["chapters"])
        indicators = _load_indicators(version, meta["indicators"], sections)
        if publish and not version.is_published:
            publish_version(version)
    return LoadResult(plan, created, len(text["chapters"]), len(sections), indicators)


def _refuse_changing_a_published_version(version: PlanVersion, text: dict, meta: dict) -> None:
    """Loading the same fixture again changes nothing; a changed text must become a new
    version, which the loader does not make (``import_plan --new-version`` does)."""
    if not version.is_published:
        return
    same_text = stored_text(version) == {key: text[key] for key in stored_text(version)}
    same_note = version.indicators_note == meta.get("indicators_note", "")
    if not (same_text and same_note):
        raise PublishedVersionDiffers(
            f"Version {version.number} of {version.plan.slug} is published and differs from "
            f"the fixture: import the new text as a new version (import_plan --new-version)."
        )


class PublishedVersionDiffers(Exception):
    pass


def _read_extent(path: Path) -> tuple[GEOSGeometry, str]:
    feature = json.loads(path.read_text(encoding="utf-8"))["features"][0]
    geometry = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
    return geometry, feature["properties"].get("note", "")


def _load_chapters(version: PlanVersion, chapters: list[dict]) -> dict[str, Section]:
    """Upserts the version's chapters and sections; returns the sections by number."""
    by_number: dict[str, Section] = {}
    for item in chapters:
        chapter, _ = Chapter.objects.update_or_create(
            version=version,
            plan_id=version.plan_id,
            number=item["number"],
            defaults={"title": item["title"], "intro": item.get("intro", [])},
        )
        for position, section_item in enumerate(item["sections"]):
            section, _ = Section.objects.update_or_create(
                chapter=chapter,
                number=section_item["number"],
                defaults={
                    "title": section_item["title"],
                    "position": position,
                    "blocks": section_item["blocks"],
                },
            )
            by_number[section.number] = section
        chapter.sections.exclude(number__in=[s["number"] for s in item["sections"]]).delete()
    version.chapters.exclude(number__in=[c["number"] for c in chapters]).delete()
    return by_number


def _load_indicators(
    version: PlanVersion, indicators: list[dict], sections: dict[str, Section]
) -> int:
    for position, item in enumerate(indicators):
        Indicator.objects.update_or_create(
            version=version,
            plan_id=version.plan_id,
            name=item["name"],
            defaults={
                "position": position,
                "comparator": item.get("comparator", ""),
                "value": Decimal(item["value"]),
                "unit": item["unit"],
                "year": item["year"],
                "kind": item["kind"],
                "role": item.get("role", IndicatorRole.PLANNED),
                "section": sections.get(item.get("section", "")),
            },
        )
    version.indicators.exclude(name__in=[i["name"] for i in indicators]).delete()
    return len(indicators)


def stored_text(source: Plan | PlanVersion) -> dict:
    """A version's text (a plan's: its current version's) read back from the database, in the
    shape of the fixture's plan.json, so that what is stored can be compared with (or
    exported as) the fixture, and two versions with each other."""
    version = source.current_version if isinstance(source, Plan) else source
    # Two queries whatever the number of chapters (the version pages compare two texts).
    sections = Prefetch("sections", queryset=Section.objects.order_by("position"))
    chapters = version.chapters.order_by("number").prefetch_related(sections)
    return {
        "cover": version.cover,
        "preface": version.preface,
        "closing": version.closing,
        "chapters": [
            {
                "number": chapter.number,
                "title": chapter.title,
                "intro": chapter.intro,
                "sections": [
                    {"number": s.number, "title": s.title, "blocks": s.blocks}
                    for s in chapter.sections.all()
                ],
            }
            for chapter in chapters
        ],
    }
