"""Values of the trail in words a reader can check: a stored value as text, and what changed
between two texts, marked the way an editor marks a revised draft.

Event rows hold values as PostgreSQL's ``row_to_json`` wrote them (pghistory's ``Events``):
JSON numbers, strings, ISO times, nested JSON. Plan text blocks become their lines, times
become China time, choices their label, geometry a short note (its coordinates are in the
event row; a page of numbers helps nobody).
"""

import difflib
import json
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

# Unchanged text longer than this is shortened around a change.
CONTEXT_CHARS = 40
# Texts sharing less than this share of their characters are shown whole.
MIN_SHARED = 0.5


def as_text(value, field: models.Field | None = None) -> str:
    """One stored value as plain text ("" for nothing)."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.choices and not isinstance(value, list | dict):
        label = dict(field.flatchoices).get(value)
        if label is not None and str(label) != str(value):
            return f"{label} ({value})"
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict) and "coordinates" in value and "type" in value:
        return _("geometry (%(type)s)") % {"type": value["type"]}
    if _is_blocks(value):
        return "\n".join(_block_lines(value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _is_blocks(value) -> bool:
    """Plan text as stored: a list of {"type": ..., "text" or "items": ...} blocks."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(block, dict) and "type" in block for block in value)
    )


def _block_lines(blocks: list[dict]):
    for block in blocks:
        if isinstance(block.get("items"), list):
            yield from (f"· {item}" for item in block["items"])
        else:
            yield str(block.get("text", ""))


@dataclass(frozen=True)
class Change:
    """One field's value before and after, as text."""

    field: str
    before: str
    after: str
    prose: bool = True  # marked up character by character (plan text, titles, notes)

    @property
    def segments(self) -> list[tuple[str, str]]:
        """The difference as ("same" | "removed" | "added", text) pieces, long unchanged
        stretches shortened to their ends. Values that are not prose (a status, a date, a
        number) and texts rewritten more than kept are shown whole: a character-by-character
        mark-up of those is harder to read than the two values."""
        matcher = difflib.SequenceMatcher(None, self.before, self.after, autojunk=False)
        if not self.prose or matcher.ratio() < MIN_SHARED:
            return [
                (tag, text)
                for tag, text in (("removed", self.before), ("added", self.after))
                if text
            ]
        pieces = []
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                pieces.append(("same", _shortened(self.before[a0:a1])))
                continue
            if a1 > a0:
                pieces.append(("removed", self.before[a0:a1]))
            if b1 > b0:
                pieces.append(("added", self.after[b0:b1]))
        return pieces

    def as_line(self) -> str:
        """For exports: "field: before → after", whole values."""
        return f"{self.field}: {self.before or '—'} → {self.after or '—'}"


def label_of(field: models.Field | None, key: str) -> str:
    """A field's label; a reference without a label of its own is named by what it points
    at (the plan, the section), in the reader's language."""
    if field is None:
        return key
    if field.is_relation and field.verbose_name == field.name.replace("_", " "):
        return str(field.related_model._meta.verbose_name)
    return str(field.verbose_name)


def is_prose(field: models.Field | None) -> bool:
    """Free text a person writes (plan text blocks, titles, notes), not a code or a value."""
    if field is None or field.choices:
        return False
    return isinstance(field, models.TextField | models.JSONField) or (
        isinstance(field, models.CharField) and (field.max_length or 0) >= 100
    )


def _shortened(text: str) -> str:
    if len(text) <= 2 * CONTEXT_CHARS + 1:
        return text
    return text[:CONTEXT_CHARS] + " … " + text[-CONTEXT_CHARS:]


def changes_between(
    before: dict | None, after: dict | None, labels=None, name_of=None
) -> list[Change]:
    """The fields whose text differs between two snapshots (either may be missing: a row
    created has no before, a row deleted no after). ``labels`` maps a key to its field (for
    the label, choices and type); keys it does not know are shown as they are. ``name_of``
    (field, id) names what a reference points at ("3.2 控制线划定" rather than 57)."""
    before, after = before or {}, after or {}
    labels = labels or {}
    changes = []
    for key in list(dict.fromkeys([*before, *after])):
        field = labels.get(key)
        old, new = before.get(key), after.get(key)
        if field is not None and field.is_relation and name_of is not None:
            old, new = name_of(field, old), name_of(field, new)
        old, new = as_text(old, field), as_text(new, field)
        if old != new:
            changes.append(Change(label_of(field, key), old, new, prose=is_prose(field)))
    return changes
