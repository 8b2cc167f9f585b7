"""The results of diff_texts: dataclasses a template reads directly, with ``as_dict()`` for JSON."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .compare import Row, SentenceOp, rows

UNCHANGED, CHANGED, ADDED, REMOVED, RENUMBERED = (
    "unchanged", "changed", "added", "removed", "renumbered"
)  # fmt: skip


@dataclass(slots=True)
class SectionDiff:
    part: str  # "section", or the pseudo-sections "intro", "cover", "preface", "closing"
    status: str
    old_number: str | None  # an intro's is its chapter's number
    new_number: str | None
    old_title: str
    new_title: str
    ops: list[SentenceOp]
    changes: int = field(init=False)  # non-equal opcodes: 本节修改 N 处
    sentences_added: int = field(init=False)
    sentences_removed: int = field(init=False)
    sentences_changed: int = field(init=False)

    def __post_init__(self) -> None:
        self.changes = sum(op.op != "equal" for op in self.ops)
        pairs = [pair.op for op in self.ops for pair in op.pairs]
        self.sentences_added = pairs.count("insert")
        self.sentences_removed = pairs.count("delete")
        self.sentences_changed = pairs.count("edit")

    @property
    def old_anchor(self) -> str | None:
        return _anchor(self.part, self.old_number)

    @property
    def new_anchor(self) -> str | None:
        return _anchor(self.part, self.new_number)

    @property
    def anchor(self) -> str | None:
        return self.new_anchor or self.old_anchor

    @property
    def rows(self) -> list[Row]:
        """One row per sentence for the page (worked out on each access, not in as_dict)."""
        return rows(self.ops)

    def as_dict(self) -> dict:
        names = ("part", "status", "old_number", "new_number", "old_title", "new_title")
        names += ("old_anchor", "new_anchor", "changes", "sentences_added")
        names += ("sentences_removed", "sentences_changed")
        return {name: getattr(self, name) for name in names} | {
            "ops": [op.as_dict() for op in self.ops]
        }


def _anchor(part: str, number: str | None) -> str | None:
    if number is None:
        return None
    if part == "section":
        return "section-" + number.replace(".", "-")
    return f"chapter-{number}" if part == "intro" else part


@dataclass(slots=True)
class ChapterDiff:
    status: str
    old_number: int | None
    new_number: int | None
    old_title: str
    new_title: str
    intro: SectionDiff
    sections: list[SectionDiff]

    @property
    def changes(self) -> int:  # 本章修改 N 处
        return self.intro.changes + sum(section.changes for section in self.sections)

    @property
    def anchor(self) -> str:
        return f"chapter-{self.new_number if self.new_number is not None else self.old_number}"

    def as_dict(self) -> dict:
        names = ("status", "old_number", "new_number", "old_title", "new_title", "anchor")
        return {name: getattr(self, name) for name in names} | {
            "changes": self.changes,
            "intro": self.intro.as_dict(),
            "sections": [section.as_dict() for section in self.sections],
        }


@dataclass(slots=True)
class TextDiff:
    cover: SectionDiff
    preface: SectionDiff
    chapters: list[ChapterDiff]
    closing: SectionDiff

    def parts(self) -> Iterator[SectionDiff]:
        """Every section and pseudo-section in reading order."""
        yield self.cover
        yield self.preface
        for chapter in self.chapters:
            yield chapter.intro
            yield from chapter.sections
        yield self.closing

    @property
    def totals(self) -> dict[str, int]:
        """Section counts are of real sections; a renumbered section whose wording changed
        counts as renumbered and as changed. Sentence counts and changes cover every part."""
        statuses = [p.status for p in self.parts() if p.part == "section"]
        sections = [p for p in self.parts() if p.part == "section"]
        every = list(self.parts())
        return {
            "sections_added": statuses.count(ADDED),
            "sections_removed": statuses.count(REMOVED),
            "sections_changed": sum(s.changes > 0 for s in sections if s.status in _MATCHED),
            "sections_renumbered": statuses.count(RENUMBERED),
            "sections_unchanged": statuses.count(UNCHANGED),
            "chapters_added": [c.status for c in self.chapters].count(ADDED),
            "chapters_removed": [c.status for c in self.chapters].count(REMOVED),
            "sentences_added": sum(p.sentences_added for p in every),
            "sentences_removed": sum(p.sentences_removed for p in every),
            "sentences_changed": sum(p.sentences_changed for p in every),
            "changes": sum(p.changes for p in every),
        }

    @property
    def changes(self) -> int:
        return sum(part.changes for part in self.parts())

    def as_dict(self) -> dict:
        return {
            "totals": self.totals,
            "cover": self.cover.as_dict(),
            "preface": self.preface.as_dict(),
            "chapters": [chapter.as_dict() for chapter in self.chapters],
            "closing": self.closing.as_dict(),
        }


_MATCHED = (UNCHANGED, CHANGED, RENUMBERED)
