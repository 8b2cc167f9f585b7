"""Staff's work on a plan's draft version: create it, name it, write its foreword (修改说明),
edit its chapters, sections and indicators, delete it. The staff pages (front/version_staff.py)
and the API (planportal/drafts_api.py) both go through here.

Each step is one transaction with its audit event (before and after). A published version is
never edited: every step refuses it with ``VersionRefused`` first (PostgreSQL would refuse it
anyway, migration 0011, but with an error no planner should read). Publishing is
``planportal.versions.publish_version``.
"""

from django.db import transaction
from django.db.models import F, Max, ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from planportal.audit import record
from planportal.block_text import BlockTextError, validate_blocks
from planportal.models import (
    Chapter,
    Indicator,
    IndicatorKind,
    Plan,
    PlanVersion,
    Section,
    TextImportStatus,
    VersionKind,
)
from planportal.versions import VersionRefused, new_draft, working_draft

VERSION_FIELDS = ("kind", "label", "change_note")
INDICATOR_FIELDS = ("value", "unit", "year", "kind")


def create_draft(plan: Plan, actor, kind: str = VersionKind.REVISED, label: str = ""):
    """A new draft copied from the latest published version; refused while a draft exists (a
    plan prepares one version at a time). ``version.create`` is recorded by copy_version."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        draft = working_draft(plan)
        if draft is not None:
            raise VersionRefused(
                _(
                    "%(version)s is still being prepared: publish or delete it before "
                    "creating a new version."
                )
                % {"version": draft.title}
            )
        return new_draft(plan, actor, kind=kind, label=label)


def _locked_draft(version: PlanVersion) -> PlanVersion:
    """The version, locked for this transaction; VersionRefused when it is published."""
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
    refuse_published(version)
    return version


def published_message(version: PlanVersion) -> str:
    return _("%(version)s is published and cannot be changed: create a new version.") % {
        "version": version.title
    }


def refuse_published(version: PlanVersion) -> None:
    if version.is_published:
        raise VersionRefused(published_message(version))


def update_draft(version: PlanVersion, actor, **fields) -> PlanVersion:
    """Kind, label and the foreword of the 修改说明 (change_note) of a draft."""
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise ValueError(f"not a field of a draft: {sorted(unknown)}")
    if "kind" in fields and fields["kind"] not in VersionKind.values:
        raise VersionRefused(_("That kind of version does not exist."))
    with transaction.atomic():
        version = _locked_draft(version)
        before = {name: getattr(version, name) for name in fields}
        after = {name: value for name, value in fields.items() if before[name] != value}
        if not after:
            return version
        for name, value in after.items():
            setattr(version, name, value)
        version.save(update_fields=list(after))
        record(
            actor,
            "version.edit",
            version.plan,
            summary=_("%(version)s edited") % {"version": version.title},
            before={"version": version.number} | {name: before[name] for name in after},
            after={"version": version.number} | after,
        )
    return version


def delete_draft(version: PlanVersion, actor) -> None:
    """Deletes a draft with its text, indicators and figures (figure files stay: other
    versions share them). Its saved text imports are kept, marked discarded, as the record of
    what was uploaded. Refused for a published version and for a draft a round of
    consultation, a comment or a procedure step points at."""
    with transaction.atomic():
        version = _locked_draft(version)
        plan, title, number = version.plan, version.title, version.number
        imports = list(version.text_imports.values_list("pk", flat=True))
        version.text_imports.update(status=TextImportStatus.DISCARDED, version=None)
        counts = {
            "chapters": version.chapters.count(),
            "sections": Section.objects.filter(chapter__version=version).count(),
            "indicators": version.indicators.count(),
            "figures": version.figures.count(),
        }
        try:
            with transaction.atomic():
                version.delete()
        except (ProtectedError, RestrictedError):
            raise VersionRefused(
                _(
                    "%(version)s cannot be deleted: a round of consultation, a comment or a "
                    "step of the procedure refers to it."
                )
                % {"version": title}
            ) from None
        record(
            actor,
            "version.delete",
            plan,
            summary=_("%(version)s deleted") % {"version": title},
            before={"version": number, "kind": version.kind, "text_imports": imports} | counts,
        )


# --- text -----------------------------------------------------------------------------------


def _draft_section(version: PlanVersion, number: str) -> Section:
    section = Section.objects.filter(chapter__version=version, number=number).first()
    if section is None:
        raise VersionRefused(_("The version has no section %(number)s.") % {"number": number})
    return section


def _section_state(section: Section) -> dict:
    return {"number": section.number, "title": section.title, "blocks": section.blocks}


def save_section(version: PlanVersion, number: str, actor, *, title: str, blocks) -> Section:
    """A section's title and blocks (checked by block_text.validate_blocks)."""
    title = (title or "").strip()
    if not title:
        raise VersionRefused(_("A section needs a title."))
    try:
        blocks = validate_blocks(blocks)
    except BlockTextError as error:
        raise VersionRefused(str(error)) from None
    with transaction.atomic():
        version = _locked_draft(version)
        section = _draft_section(version, number)
        before = _section_state(section)
        if (section.title, section.blocks) == (title, blocks):
            return section
        section.title, section.blocks = title, blocks
        section.save(update_fields=["title", "blocks"])
        record(
            actor,
            "version.section",
            version.plan,
            summary=_("Section %(number)s of %(version)s edited")
            % {"number": number, "version": version.title},
            before={"version": version.number} | before,
            after={"version": version.number} | _section_state(section),
        )
    return section


def add_section(version: PlanVersion, after: str, actor, *, number: str, title: str) -> Section:
    """An empty section right after section ``after`` in its chapter. The new number is the
    planner's: the sections after it keep theirs (comments and the diff know them by number)."""
    number, title = (number or "").strip(), (title or "").strip()
    if not number or not title:
        raise VersionRefused(_("A new section needs a number and a title."))
    with transaction.atomic():
        version = _locked_draft(version)
        previous = _draft_section(version, after)
        chapter = previous.chapter
        if Section.objects.filter(chapter__version=version, number=number).exists():
            raise VersionRefused(
                _("The version has a section %(number)s already.") % {"number": number}
            )
        chapter.sections.filter(position__gt=previous.position).update(position=F("position") + 1)
        section = Section.objects.create(
            chapter=chapter, number=number, title=title, position=previous.position + 1, blocks=[]
        )
        record(
            actor,
            "version.section_add",
            version.plan,
            summary=_("Section %(number)s added to %(version)s")
            % {"number": number, "version": version.title},
            after={"version": version.number, "after": after} | _section_state(section),
        )
    return section


def delete_section(version: PlanVersion, number: str, actor) -> None:
    """Deletes a section of a draft; refused while figures are attached to it (they would be
    left without their place in the text) or a comment refers to it."""
    with transaction.atomic():
        version = _locked_draft(version)
        section = _draft_section(version, number)
        if section.figures.exists():
            raise VersionRefused(
                _("Section %(number)s has figures: move or delete them first.") % {"number": number}
            )
        before = _section_state(section) | {"chapter": section.chapter.number}
        try:
            with transaction.atomic():
                section.delete()
        except ProtectedError:
            raise VersionRefused(
                _("Section %(number)s cannot be deleted: comments refer to it.")
                % {"number": number}
            ) from None
        record(
            actor,
            "version.section_delete",
            version.plan,
            summary=_("Section %(number)s deleted from %(version)s")
            % {"number": number, "version": version.title},
            before={"version": version.number} | before,
        )


def rename_chapter(version: PlanVersion, chapter_number: int, actor, title: str) -> Chapter:
    title = (title or "").strip()
    if not title:
        raise VersionRefused(_("A chapter needs a title."))
    with transaction.atomic():
        version = _locked_draft(version)
        chapter = version.chapters.filter(number=chapter_number).first()
        if chapter is None:
            raise VersionRefused(
                _("The version has no chapter %(number)s.") % {"number": chapter_number}
            )
        if chapter.title == title:
            return chapter
        before = chapter.title
        chapter.title = title
        chapter.save(update_fields=["title"])
        record(
            actor,
            "version.chapter",
            version.plan,
            summary=_("Chapter %(number)s of %(version)s renamed")
            % {"number": chapter_number, "version": version.title},
            before={"version": version.number, "chapter": chapter_number, "title": before},
            after={"version": version.number, "chapter": chapter_number, "title": title},
        )
    return chapter


# --- indicators -----------------------------------------------------------------------------


def _indicator_state(indicator: Indicator) -> dict:
    return {
        "name": indicator.name,
        "value": format(indicator.value.normalize(), "f"),
        "unit": indicator.unit,
        "year": indicator.year,
        "kind": indicator.kind,
    }


def update_indicators(version: PlanVersion, actor, changes: dict[int, dict]) -> int:
    """Value, unit, year and kind of the draft's indicators, ``changes`` by indicator id; one
    audit event with each changed indicator before and after. Returns how many changed."""
    with transaction.atomic():
        version = _locked_draft(version)
        indicators = {i.pk: i for i in version.indicators.filter(pk__in=list(changes))}
        before, after = [], []
        for pk, fields in changes.items():
            indicator = indicators.get(pk)
            if indicator is None:
                raise VersionRefused(_("That indicator is not one of this version's."))
            if set(fields) - set(INDICATOR_FIELDS):
                raise ValueError(f"not a field of an indicator: {sorted(fields)}")
            if fields.get("kind", indicator.kind) not in IndicatorKind.values:
                raise VersionRefused(_("That kind of indicator does not exist."))
            old = _indicator_state(indicator)
            for name, value in fields.items():
                setattr(indicator, name, value)
            new = _indicator_state(indicator)
            if new != old:
                indicator.save(update_fields=list(fields))
                before.append(old)
                after.append(new)
        if after:
            record(
                actor,
                "version.indicators",
                version.plan,
                summary=_("%(count)s indicators of %(version)s edited")
                % {"count": len(after), "version": version.title},
                before={"version": version.number, "indicators": before},
                after={"version": version.number, "indicators": after},
            )
    return len(after)


def next_section_number(version: PlanVersion, after: str) -> str:
    """A suggestion for a section added after ``after``: the next free "C.N" of its chapter."""
    section = Section.objects.filter(chapter__version=version, number=after).first()
    if section is None:
        return ""
    taken = set(Section.objects.filter(chapter__version=version).values_list("number", flat=True))
    chapter = section.chapter.number
    last = section.chapter.sections.aggregate(last=Max("position"))["last"] or 0
    for index in range(1, last + 50):
        candidate = f"{chapter}.{index}"
        if candidate not in taken:
            return candidate
    return ""
