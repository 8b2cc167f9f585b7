"""The publish gate: what a planner must say about a layer before the public sees it, and the
one way its settings change.

    missing = missing_settings(layer)          # [] or e.g. ["section", "publication_note"]
    outcome = update_settings(layer, user, {"data_status": "official", ...})

A layer is public only with a section of the plan, a data status (示意 / 正式), a source and a
publication note: publishing.py refuses to publish a revision of a layer that lacks any of
them (the staff pages, the API and ``import_layer`` all publish through it), and
``Layer.objects.public()`` hides a layer without them whatever its pointer says.

Its public policy starts from its layer code (``default_policy`` in layers/models.py):
restricted designations (永久基本农田, 生态保护红线, ...) are generalised, the others tiles
only; giving a restricted layer's coordinates out (FEATURES) takes an explicit confirmation.

Every change is one transaction under the layer's row lock with one ``layer.settings`` audit
event holding the changed fields before and after.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from layers.models import DataStatus, Layer, PublicPolicy
from planportal import audit
from planportal.models import AuditEvent, Section

SETTINGS_ACTION = "layer.settings"
# What the gate asks for, in the order a planner is told.
REQUIRED = ("section", "data_status", "source_note", "publication_note")
REQUIRED_LABELS = {
    "section": gettext_lazy("a section of the plan"),
    "data_status": gettext_lazy("a data status (schematic or official)"),
    "source_note": gettext_lazy("a source"),
    "publication_note": gettext_lazy("a publication note"),
}
# The settings a planner edits (besides these, the layer's data comes from its uploads).
EDITABLE = ("title", "section", "data_status", "source_note", "publication_note", "public_policy")


# A data status as people write it: the stored value, or the mark's Chinese word.
DATA_STATUS_WORDS = {
    "schematic": DataStatus.SCHEMATIC,
    "示意": DataStatus.SCHEMATIC,
    "official": DataStatus.OFFICIAL,
    "正式": DataStatus.OFFICIAL,
}


def parse_data_status(text: str) -> str | None:
    """``schematic``/``示意`` or ``official``/``正式`` as the stored value; None otherwise."""
    return DATA_STATUS_WORDS.get((text or "").strip().lower())


def missing_settings(layer: Layer) -> list[str]:
    """The required settings the layer lacks, by field name, in REQUIRED order."""
    present = {
        "section": layer.section_id is not None,
        "data_status": bool(layer.data_status),
        "source_note": bool(layer.source_note.strip()),
        "publication_note": bool(layer.publication_note.strip()),
    }
    return [name for name in REQUIRED if not present[name]]


def missing_message(missing: list[str]) -> str:
    """A sentence for the planner naming what is missing, in the active language."""
    separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
    names = separator.join(str(REQUIRED_LABELS[name]) for name in missing)
    return _("The layer cannot be published until it has %(missing)s.") % {"missing": names}


class SettingsRefused(Exception):
    """The settings were not changed; ``errors`` maps a field to the sentence saying why."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass(frozen=True)
class SettingsOutcome:
    layer: Layer
    changed: list[str]  # the fields that changed (empty: nothing to record)
    event: AuditEvent | None


def update_settings(
    layer: Layer, actor, changes: dict, *, confirm_restricted_features: bool = False
) -> SettingsOutcome:
    """Applies ``changes`` (a subset of EDITABLE; ``section`` a Section or None) to the layer
    under its row lock, with one audit event of what changed. Raises SettingsRefused, and
    then nothing changes, when a value is invalid, when a published layer would lose a
    required setting, or when a restricted layer is given FEATURES without
    ``confirm_restricted_features``."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not a layer setting: {sorted(unknown)}")
    with transaction.atomic():
        locked = Layer.objects.select_for_update(of=("self",)).get(pk=layer.pk)
        before = snapshot(locked)
        lacking = set(missing_settings(locked))
        for name, value in changes.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        _check(locked, before, lacking, confirm_restricted_features)
        after = snapshot(locked)
        changed = [name for name in EDITABLE if before[name] != after[name]]
        if not changed:
            return SettingsOutcome(locked, [], None)
        if "section" in changed and locked.section is not None:
            locked.chapter_id = locked.section.chapter_id
        # save() (not an update) so the tile lookup, which reads the policy, is cleared.
        locked.save(update_fields=[*changed, "chapter"])
        event = audit.record(
            actor,
            SETTINGS_ACTION,
            locked,
            summary=f"{locked.collection_id}: {', '.join(changed)}",
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    # The caller's object shows the new settings too.
    for name in EDITABLE:
        setattr(layer, name, getattr(locked, name))
    layer.chapter_id = locked.chapter_id
    return SettingsOutcome(locked, changed, event)


def snapshot(layer: Layer) -> dict:
    """The editable settings as the audit trail keeps them (the section by its number)."""
    section = Section.objects.filter(pk=layer.section_id).first() if layer.section_id else None
    return {
        "title": layer.title,
        "section": section.number if section else None,
        "data_status": layer.data_status,
        "source_note": layer.source_note,
        "publication_note": layer.publication_note,
        "public_policy": layer.public_policy,
    }


def _check(layer: Layer, before: dict, lacking: set[str], confirmed: bool) -> None:
    """``lacking``: the required settings the layer lacked before this change (a layer
    published before the gate existed may be completed one setting at a time)."""
    errors: dict[str, str] = {}
    if not layer.title.strip():
        errors["title"] = _("A layer needs a title.")
    if layer.section_id is not None:
        section = Section.objects.filter(pk=layer.section_id).select_related("chapter").first()
        if section is None or section.chapter.plan_id != layer.plan_id:
            errors["section"] = _("The section is not one of this layer's plan.")
    if layer.data_status and layer.data_status not in DataStatus.values:
        errors["data_status"] = _("Not a data status.")
    if layer.public_policy not in PublicPolicy.values:
        errors["public_policy"] = _("Not a public policy.")
    elif (
        layer.public_policy == PublicPolicy.FEATURES
        and before["public_policy"] != PublicPolicy.FEATURES
        and layer.is_restricted
        and not confirmed
    ):
        errors["public_policy"] = _(
            "This is a restricted layer (e.g. 永久基本农田 or 生态保护红线): offering its "
            "coordinates for download must be confirmed."
        )
    if layer.published_revision_id is not None:
        for name in set(missing_settings(layer)) - lacking:
            errors.setdefault(
                name,
                _("A published layer must keep %(setting)s; withdraw it from the public first.")
                % {"setting": REQUIRED_LABELS[name]},
            )
    if errors:
        raise SettingsRefused(errors)
