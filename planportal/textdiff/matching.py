"""Which section of one version is which of another, and what became of a commented section.

The rule, for sections and chapters alike: the same number and title first, then the same
title (renumbered or moved), then the same number (retitled); whatever is left over was added
or removed. Sections are matched across the whole text, not per chapter, so that a section
moved to another chapter is found.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from typing import NamedTuple

from .results import CHANGED, REMOVED, UNCHANGED
from .sentences import same_wording


def match(old: list, new: list, number: Callable, title: Callable) -> dict[int, int]:
    """Old index -> new index, one to one: same number and title, then same title, then
    same number, each pass over what is still unmatched, in reading order."""
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for key in (lambda item: (number(item), title(item)), title, number):
        free: dict = defaultdict(deque)
        for j, item in enumerate(new):
            if j not in taken:
                free[key(item)].append(j)
        for i, item in enumerate(old):
            candidates = free.get(key(item))
            if i not in matched and candidates and key(item) not in ("", None):
                matched[i] = candidates.popleft()
                taken.add(matched[i])
    return matched


def number_of(item: dict) -> str:
    return str(item["number"])


def title_of(item: dict) -> str:
    return item.get("title", "")


class Fate(NamedTuple):
    status: str  # "unchanged", "changed", "removed"
    number: str | None  # the section's number in the newer version


def _fate(old: dict, new: dict | None) -> Fate:
    if new is None:
        return Fate(REMOVED, None)
    return Fate(UNCHANGED if same_wording(old["blocks"], new["blocks"]) else CHANGED, new["number"])


def section_fate(old_section: dict, new_text: dict, old_text: dict | None = None) -> Fate:
    """What became of a section of an older version (a comment's) in a newer one. Without
    ``old_text`` the section is matched on its own; with it, exactly as diff_texts matches
    it among the other sections of its version (section_fates does that for a whole page).
    The two differ only when another old section claims the match first: old 3.2 A and 3.3 B
    against new 3.2 B alone gives A "changed" into 3.2 on its own, "removed" with old_text."""
    if old_text is not None:
        return section_fates(old_text, new_text)[number_of(old_section)]
    new_sections = [s for chapter in new_text.get("chapters", []) for s in chapter["sections"]]
    j = match([old_section], new_sections, number_of, title_of).get(0)
    return _fate(old_section, new_sections[j] if j is not None else None)


def section_fates(old_text: dict, new_text: dict) -> dict[str, Fate]:
    """The fate of every section of ``old_text``, by its number."""
    old_sections = [s for chapter in old_text.get("chapters", []) for s in chapter["sections"]]
    new_sections = [s for chapter in new_text.get("chapters", []) for s in chapter["sections"]]
    matched = match(old_sections, new_sections, number_of, title_of)
    return {
        number_of(old): _fate(old, new_sections[matched[i]] if i in matched else None)
        for i, old in enumerate(old_sections)
    }
