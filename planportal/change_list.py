"""A version's change list (修改说明): what changed against the version it was made from, one
``VersionChange`` row per changed section, indicator and figure, each with the planners'
explanation (修改理由), so that an answer to an opinion can point at the change it led to.

- ``refresh_changes(version)`` (re)computes the rows of a draft from the text diff
  (planportal.textdiff), the indicators and the figures; an explanation already written for a
  key is kept, a row whose change disappeared is removed. Rows of other kinds (layers, added
  by the layers app through ``add_change``) are left alone.
- ``add_change`` adds or updates one row; ``explain_change`` and ``set_change_note`` write the
  planners' words.

A published version's list is frozen with it (PostgreSQL refuses the change, migration 0011);
every function here refuses first with ``ChangesRefused`` and a sentence for the planner.
"""

from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from planportal.audit import record
from planportal.loader import stored_text
from planportal.models import ChangeKind, Indicator, PlanFigure, PlanVersion, VersionChange
from planportal.textdiff import ChapterDiff, SectionDiff, diff_texts
from planportal.versions import public_versions

# The kinds refresh_changes computes (and so may remove); any other kind is added by others.
COMPUTED_KINDS = (ChangeKind.TEXT, ChangeKind.INDICATOR, ChangeKind.FIGURE)


class ChangesRefused(Exception):
    """The change list cannot be changed as asked; the message says why."""


@dataclass(frozen=True)
class FoundChange:
    kind: str
    key: str
    subject: str
    summary: str


@dataclass(frozen=True)
class RefreshOutcome:
    added: list[str]
    updated: list[str]
    removed: list[str]
    base: PlanVersion | None


def base_of(version: PlanVersion) -> PlanVersion | None:
    """The version the changes are counted against: the one it was copied from, else the
    latest published version before it (an imported version has no ``based_on``)."""
    if version.based_on_id is not None:
        return version.based_on
    earlier = public_versions(version.plan).filter(number__lt=version.number)
    return earlier.order_by("-number").first()


def refuse_if_published(version: PlanVersion) -> None:
    if version.is_published:
        raise ChangesRefused(
            _("%(version)s is published: its list of changes is frozen and cannot be edited.")
            % {"version": version.title}
        )


def _locked(version: PlanVersion) -> PlanVersion:
    locked = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
    refuse_if_published(locked)
    return locked


# -- what changed ------------------------------------------------------------------------------


def found_changes(version: PlanVersion, base: PlanVersion | None) -> list[FoundChange]:
    """Every change of ``version`` against ``base``, in reading order: the text, then the
    indicators, then the figures. Nothing without a base (a plan's first version)."""
    if base is None:
        return []
    return (
        _text_changes(base, version)
        + _indicator_changes(base, version)
        + _figure_changes(base, version)
    )


def _text_changes(base: PlanVersion, version: PlanVersion) -> list[FoundChange]:
    diff = diff_texts(stored_text(base), stored_text(version))
    candidates = [_part_change(diff.cover), _part_change(diff.preface)]
    for chapter in diff.chapters:
        candidates.append(_intro_change(chapter))
        candidates += [_section_change(section) for section in chapter.sections]
    candidates.append(_part_change(diff.closing))
    found: list[FoundChange] = []
    keys: set[str] = set()
    for change in candidates:
        if change is None:
            continue
        if change.key in keys:
            # A removed 3.2 beside another section renumbered to 3.2: both stay listed.
            change = replace(change, key=change.key + ":removed")
        keys.add(change.key)
        found.append(change)
    return found


def _part_change(part: SectionDiff) -> FoundChange | None:
    """The cover, the preface or the closing."""
    if not part.changes:
        return None
    names = {"cover": _("Cover"), "preface": _("Preface"), "closing": _("Closing")}
    summary = _("%(count)s changes") % {"count": part.changes}
    return FoundChange(ChangeKind.TEXT, f"part:{part.part}", str(names[part.part]), summary)


def _intro_change(chapter: ChapterDiff) -> FoundChange | None:
    if not chapter.intro.changes:
        return None
    number = chapter.new_number if chapter.new_number is not None else chapter.old_number
    subject = _("Chapter %(number)s %(title)s (introduction)") % {
        "number": number,
        "title": chapter.new_title or chapter.old_title,
    }
    summary = _("%(count)s changes") % {"count": chapter.intro.changes}
    return FoundChange(ChangeKind.TEXT, f"chapter:{number}", subject, summary)


def _section_change(part: SectionDiff) -> FoundChange | None:
    if part.status == "unchanged":
        return None
    number = part.new_number or part.old_number
    title = part.new_title or part.old_title
    subject = f"{number} {title}"
    if part.status == "added":
        summary = pgettext("change list", "Added")
    elif part.status == "removed":
        summary = pgettext("change list", "Removed")
    else:
        pieces = []
        if part.status == "renumbered":
            pieces.append(
                _("Was %(number)s %(title)s") % {"number": part.old_number, "title": part.old_title}
            )
        if part.changes:
            pieces.append(_("%(count)s changes in this section") % {"count": part.changes})
        summary = "；".join(pieces)
    return FoundChange(ChangeKind.TEXT, f"section:{number}", subject, summary)


def _indicator_text(indicator: Indicator) -> str:
    return _("%(value)s (%(year)s, %(kind)s)") % {
        "value": indicator.display_value,
        "year": indicator.year,
        "kind": indicator.get_kind_display(),
    }


def _indicator_changes(base: PlanVersion, version: PlanVersion) -> list[FoundChange]:
    old = {i.name: i for i in Indicator.objects.filter(version=base).order_by("position", "pk")}
    new = {i.name: i for i in Indicator.objects.filter(version=version).order_by("position", "pk")}
    found = []
    for name in [*new, *(n for n in old if n not in new)]:
        before, after = old.get(name), new.get(name)
        if before is None:
            summary = pgettext("change list", "Added") + "：" + _indicator_text(after)
        elif after is None:
            summary = pgettext("change list", "Removed")
        elif _indicator_text(before) != _indicator_text(after) or before.role != after.role:
            summary = _("From %(old)s to %(new)s") % {
                "old": _indicator_text(before),
                "new": _indicator_text(after),
            }
        else:
            continue
        found.append(FoundChange(ChangeKind.INDICATOR, f"indicator:{name}", name, summary))
    return found


def _figure_changes(base: PlanVersion, version: PlanVersion) -> list[FoundChange]:
    """Figures are the same when their file is (a copied version shares the files); a figure
    whose file was replaced under the same title is one change, not a removal and an addition."""
    old = list(PlanFigure.objects.filter(version=base).order_by("position", "pk"))
    new = list(PlanFigure.objects.filter(version=version).order_by("position", "pk"))
    old_files = {f.sha256 for f in old}
    new_files = {f.sha256 for f in new}
    gone = [f for f in old if f.sha256 not in new_files]
    came = [f for f in new if f.sha256 not in old_files]
    found = []
    for figure in came:
        replaced = next((g for g in gone if g.title == figure.title), None)
        if replaced is not None:
            gone.remove(replaced)
            summary = _("Replaced by a new drawing")
        else:
            summary = pgettext("change list", "Added")
        found.append(_figure_row(figure, summary))
    found += [_figure_row(figure, pgettext("change list", "Removed")) for figure in gone]
    return found


def _figure_row(figure: PlanFigure, summary: str) -> FoundChange:
    return FoundChange(ChangeKind.FIGURE, f"figure:{figure.sha256[:16]}", figure.title, summary)


# -- writing the list --------------------------------------------------------------------------


# Sent inside refresh_changes' transaction with ``version``, ``base`` (None for a first
# version) and ``actor``: other apps add or remove their rows (add_change, drop_changes).
changes_refreshed = Signal()


def refresh_changes(version: PlanVersion, actor=None) -> RefreshOutcome:
    """Recomputes the computed rows of a draft's change list; explanations are kept by key."""
    with transaction.atomic():
        version = _locked(version)
        base = base_of(version)
        found = found_changes(version, base)
        existing = {
            c.key: c for c in version.changes.select_for_update().filter(kind__in=COMPUTED_KINDS)
        }
        added, updated = [], []
        for position, change in enumerate(found, start=1):
            row = existing.pop(change.key, None)
            if row is None:
                VersionChange.objects.create(version=version, position=position, **vars(change))
                added.append(change.key)
                continue
            values = vars(change) | {"position": position}
            if any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
                updated.append(change.key)
        removed = sorted(existing)
        VersionChange.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
        # The layers app lists its layers' changes here (layers/versions.py).
        changes_refreshed.send(PlanVersion, version=version, base=base, actor=actor)
        _after_computed(version, len(found))
        record(
            actor,
            "version.changes.refresh",
            version.plan,
            summary=_("List of changes of %(version)s refreshed") % {"version": version.title},
            after={
                "version": version.number,
                "based_on": base.number if base else None,
                "added": added,
                "updated": updated,
                "removed": removed,
            },
        )
    return RefreshOutcome(added, updated, removed, base)


def _after_computed(version: PlanVersion, count: int) -> None:
    """Rows others added (layers) come after the computed ones, in the order they were added."""
    others = version.changes.exclude(kind__in=COMPUTED_KINDS).order_by("position", "pk")
    for offset, row in enumerate(others, start=count + 1):
        if row.position != offset:
            row.position = offset
            row.save(update_fields=["position"])


def add_change(
    version: PlanVersion, kind: str, key: str, subject: str, summary: str = "", actor=None
) -> VersionChange:
    """Adds one row to a draft's list, or updates the subject and summary of the row with this
    key (its explanation is kept). For changes this module does not compute, e.g. the layers
    app's "layer:<collection id>" rows."""
    if kind not in ChangeKind.values:
        raise ChangesRefused(_("Unknown kind of change: %(kind)s") % {"kind": kind})
    with transaction.atomic():
        version = _locked(version)
        row = version.changes.select_for_update().filter(key=key).first()
        if row is None:
            last = version.changes.aggregate(last=Max("position"))["last"] or 0
            row = VersionChange(version=version, key=key, position=last + 1)
        before = {"kind": row.kind, "subject": row.subject, "summary": row.summary}
        row.kind, row.subject, row.summary = kind, subject[:300], summary[:300]
        after = {"kind": row.kind, "subject": row.subject, "summary": row.summary}
        if row.pk is None or before != after:
            row.save()
            record(
                actor,
                "version.change.add",
                version.plan,
                summary=f"{version.title}: {row.subject}",
                before=before if row.pk else None,
                after=after | {"version": version.number, "key": key},
            )
    return row


def drop_changes(version: PlanVersion, kind: str, keep: set[str], actor=None) -> list[str]:
    """Removes a draft's rows of ``kind`` whose key is not in ``keep`` (a change another app
    listed that is gone); returns their keys."""
    refuse_if_published(version)
    gone = version.changes.filter(kind=kind).exclude(key__in=keep)
    keys = sorted(gone.values_list("key", flat=True))
    if keys:
        gone.delete()
        record(
            actor,
            "version.change.drop",
            version.plan,
            summary=f"{version.title}: {', '.join(keys)}"[:300],
            before={"version": version.number, "keys": keys},
        )
    return keys


def explain_change(change: VersionChange, explanation: str, actor=None) -> VersionChange:
    """Writes the reason for one change (修改理由)."""
    explanation = (explanation or "").strip()
    with transaction.atomic():
        version = _locked(change.version)
        row = version.changes.select_for_update().get(pk=change.pk)
        if row.explanation == explanation:
            return row
        before = {"key": row.key, "explanation": row.explanation}
        row.explanation = explanation
        row.save(update_fields=["explanation"])
        record(
            actor,
            "version.change.explain",
            version.plan,
            summary=f"{version.title}: {row.subject}",
            before=before,
            after={"key": row.key, "explanation": explanation, "version": version.number},
        )
    return row


def set_change_note(version: PlanVersion, note: str, actor=None) -> PlanVersion:
    """Writes the foreword of the version's 修改说明 (why this version was made)."""
    note = (note or "").strip()
    with transaction.atomic():
        version = _locked(version)
        if version.change_note == note:
            return version
        before = {"change_note": version.change_note}
        version.change_note = note
        version.save(update_fields=["change_note"])
        record(
            actor,
            "version.change_note",
            version.plan,
            summary=version.title,
            before=before,
            after={"change_note": note, "version": version.number},
        )
    return version


def diff_anchor(change: VersionChange) -> str:
    """Where a text change is on the comparison page (the anchors of planportal.textdiff):
    "section-3-2", "chapter-3", "preface"; blank for changes outside the text."""
    kind, _sep, rest = change.key.partition(":")
    if kind == "section":
        return "section-" + rest.split(":")[0].replace(".", "-")
    if kind == "chapter":
        return f"chapter-{rest}"
    if kind == "part":
        return rest
    return ""
