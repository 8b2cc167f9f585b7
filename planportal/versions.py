"""Versions of a plan: which one the public reads, which one staff write into, a new draft
copied from the version before it, and publishing a draft (after which PostgreSQL keeps it
as it is, migration 0011).

- The public reads the plan's *current* version: the approved one (批准成果) once it is
  published, else the latest published version; a plan none of whose versions is published
  yet (staff preview) shows its latest draft.
- Staff write into the *working* version: the latest version while it is a draft. When the
  latest is published, a change of text, indicators or figures needs a new draft first
  (``new_draft``), copied from it.
"""

from django.db import transaction
from django.db.models import Max, Prefetch
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from planportal.audit import record
from planportal.models import (
    Chapter,
    Indicator,
    Plan,
    PlanFigure,
    PlanStatus,
    PlanVersion,
    Section,
    VersionKind,
    VersionState,
)

# Sent inside the publishing transaction with ``version`` and ``actor``: the layers app
# records which layer revisions the version shows (layers/versions.py).
version_published = Signal()


class VersionRefused(Exception):
    """What a staff member asked of a version cannot be done; the message says why."""


def public_versions(plan: Plan):
    return plan.versions.filter(state=VersionState.PUBLISHED)


def public_version(plan: Plan) -> PlanVersion | None:
    """The version residents read: the approved one once published, else the latest published."""
    return plan.find_public_version()


def current_version(plan: Plan) -> PlanVersion:
    return plan.find_current_version()


def latest_version(plan: Plan) -> PlanVersion:
    return plan.versions.order_by("-number").first()


def working_draft(plan: Plan) -> PlanVersion | None:
    """The draft staff write into, or None when the latest version is published."""
    latest = latest_version(plan)
    return None if latest.is_published else latest


def new_draft(
    plan: Plan, actor=None, kind: str = VersionKind.REVISED, label: str = ""
) -> PlanVersion:
    """The working draft, made as a copy of the latest version when that one is published."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        draft = working_draft(plan)
        if draft is not None:
            return draft
        return copy_version(latest_version(plan), actor, kind=kind, label=label)


def copy_version(source: PlanVersion, actor=None, *, kind: str, label: str = "") -> PlanVersion:
    """A new draft with the text, indicators and figures of ``source`` (the figures' files are
    shared: a file is never changed, only replaced by a new figure)."""
    number = (source.plan.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = PlanVersion.objects.create(
        plan=source.plan,
        number=number,
        kind=kind,
        label=label,
        based_on=source,
        cover=source.cover,
        preface=source.preface,
        closing=source.closing,
        indicators_note=source.indicators_note,
    )
    sections = _copy_text(source, version)
    for indicator in source.indicators.all():
        indicator.pk = None
        indicator.version = version
        indicator.section = sections.get(indicator.section_id)
        indicator.save()
    for figure in source.figures.all():
        figure.pk = None
        figure.version = version
        figure.section = sections.get(figure.section_id)
        figure.save()
    record(
        actor,
        "version.create",
        source.plan,
        summary=_("Version %(number)s created from version %(source)s")
        % {"number": number, "source": source.number},
        after={"version": number, "based_on": source.number, "kind": kind},
    )
    return version


def _copy_text(source: PlanVersion, version: PlanVersion) -> dict[int, Section]:
    """Copies chapters and sections; returns the new sections by the old sections' ids."""
    by_old_id: dict[int, Section] = {}
    for chapter in source.chapters.prefetch_related("sections"):
        old_sections = list(chapter.sections.all())
        chapter.pk = None
        chapter.version = version
        chapter.save()
        for section in old_sections:
            old_id = section.pk
            section.pk = None
            section.chapter = chapter
            section.save()
            by_old_id[old_id] = section
    return by_old_id


def publish_problems(version: PlanVersion) -> list[str]:
    problems = []
    if version.is_published:
        problems.append(_("This version is published already."))
    if not version.chapters.exists():
        problems.append(_("The version has no text yet (no chapter): import its text first."))
    return problems


def publish_version(version: PlanVersion, actor=None) -> PlanVersion:
    """Makes the draft public and, from then on, unchangeable. Publishing the approved plan
    (批准成果) marks the plan approved."""
    with transaction.atomic():
        version = PlanVersion.objects.select_for_update().get(pk=version.pk)
        problems = publish_problems(version)
        if problems:
            raise VersionRefused(" ".join(problems))
        version_published.send(PlanVersion, version=version, actor=actor)
        version.state = VersionState.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = actor if getattr(actor, "is_authenticated", False) else None
        version.save()
        plan = version.plan
        if version.kind == VersionKind.APPROVED and plan.status != PlanStatus.APPROVED:
            plan.status = PlanStatus.APPROVED
            plan.save(update_fields=["status", "updated_at"])
        record(
            actor,
            "version.publish",
            plan,
            summary=_("%(version)s published") % {"version": version.title},
            after={"version": version.number, "kind": version.kind},
        )
    return version


def version_of(plan: Plan, number: int, *, public: bool = True) -> PlanVersion | None:
    versions = public_versions(plan) if public else plan.versions.all()
    return versions.filter(number=number).first()


def sections_of(version: PlanVersion):
    """The version's sections, in reading order."""
    return Section.objects.filter(chapter__version=version).order_by("chapter__number", "position")


def section_of(plan: Plan, number: str, version: PlanVersion | None = None) -> Section | None:
    """Section ``number`` of ``version`` (default: the plan's current version)."""
    version = version or current_version(plan)
    return Section.objects.filter(chapter__version=version, number=number).first()


def chapters_of(version: PlanVersion):
    return Chapter.objects.filter(version=version).order_by("number")


def indicators_of(version: PlanVersion):
    return Indicator.objects.filter(version=version)


def figures_of(version: PlanVersion):
    return PlanFigure.objects.filter(version=version)


def with_text(plan: Plan, version: PlanVersion | None = None) -> Plan:
    """``plan`` with ``version`` (default: its current version) as its current version, the
    text, indicators and figures read in a few queries (the plan page, the API)."""
    version = version or current_version(plan)
    figures = PlanFigure.objects.select_related("plan", "section").order_by("position", "id")
    sections = Section.objects.select_related("chapter__plan").order_by("position")
    sections = sections.prefetch_related(Prefetch("figures", queryset=figures))
    chapters = Chapter.objects.order_by("number").prefetch_related(
        Prefetch("sections", queryset=sections)
    )
    version = (
        PlanVersion.objects.select_related("plan")
        .prefetch_related(
            Prefetch("chapters", queryset=chapters),
            Prefetch("indicators", queryset=Indicator.objects.select_related("section")),
            Prefetch("figures", queryset=figures),
        )
        .get(pk=version.pk)
    )
    plan.__dict__["current_version"] = version
    return plan
