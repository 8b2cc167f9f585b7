"""Sentence-level diff of two block lists, with a character-level diff inside edited sentences.

difflib's SequenceMatcher compares the sentences' wording (``Unit.plain``); a run of replaced
sentences is then paired by similarity, so that a sentence with a changed word shows as one
edit with its 删除 and 新增 inline, while a rewritten sentence shows as deleted plus inserted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .sentences import Unit, sentences

# Below this similarity (difflib's ratio) two sentences are not called one edited sentence.
PAIRING_THRESHOLD = 0.4
# Sentences of a replaced run are compared with those within this many places of their own
# (plus the difference in the run's length), at most PAIRING_LIMIT comparisons per run.
BAND = 3
PAIRING_LIMIT = 1000
# A pair this similar is taken as the sentence's edit without comparing it further.
SURE_PAIR = 0.8
# Larger runs (old x new sentences) are paired in order: the alignment itself is quadratic.
ALIGNMENT_LIMIT = 40_000
# An equal run this short between two edits (a shared 的 or ，) is folded into the edit: the
# reader sees 删除“严守” 新增“坚决守住”, not four fragments around a common 守.
SHORT_EQUAL = 1


@dataclass(slots=True)
class Segment:
    op: str  # "equal", "insert", "delete"
    text: str

    def as_dict(self) -> dict:
        return {"op": self.op, "text": self.text}


@dataclass(slots=True)
class SentencePair:
    """A sentence of a replaced run: edited (both sides), or deleted / inserted alone."""

    old: Unit | None
    new: Unit | None
    segments: list[Segment]

    @property
    def op(self) -> str:
        return "edit" if self.old and self.new else "delete" if self.old else "insert"

    def as_dict(self) -> dict:
        return {
            "op": self.op,
            "old": self.old.as_dict() if self.old else None,
            "new": self.new.as_dict() if self.new else None,
            "segments": [s.as_dict() for s in self.segments],
        }


@dataclass(slots=True)
class SentenceOp:
    """One difflib opcode over sentences; ``pairs`` are filled for every op but "equal"."""

    op: str  # "equal", "insert", "delete", "replace"
    old: list[Unit]
    new: list[Unit]
    pairs: list[SentencePair] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "op": self.op,
            "old": [u.as_dict() for u in self.old],
            "new": [u.as_dict() for u in self.new],
            "pairs": [p.as_dict() for p in self.pairs],
        }


def inline_diff(old: str, new: str, opcodes: list | None = None) -> list[Segment]:
    """Character-level segments turning ``old`` into ``new`` (characters suit Chinese, which
    has no spaces between words); ``opcodes`` when the two were compared already."""
    if opcodes is None:
        opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    segments: list[Segment] = []
    deleted, inserted = "", ""
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        between_edits = 0 < position < len(opcodes) - 1
        if tag == "equal" and not (between_edits and i2 - i1 <= SHORT_EQUAL):
            _flush(segments, deleted, inserted)
            deleted, inserted = "", ""
            segments.append(Segment("equal", old[i1:i2]))
        else:
            deleted += old[i1:i2] if tag != "insert" else ""
            inserted += new[j1:j2] if tag != "delete" else ""
    _flush(segments, deleted, inserted)
    return _whole_numbers(segments)


NUMBER_END = re.compile(r"[0-9][0-9.,]*$")
NUMBER_START = re.compile(r"^[0-9.,]*[0-9]")


def _whole_numbers(segments: list[Segment]) -> list[Segment]:
    """An edit inside a number shows the whole number struck and the whole new one: 1200 →
    1250 reads 「1200」「1250」, not 12「0」「5」0, which a reader could take for other figures."""
    result: list[Segment] = []
    index = 0
    while index < len(segments):
        if segments[index].op == "equal":
            result.append(segments[index])
            index += 1
            continue
        end = index
        while end < len(segments) and segments[end].op != "equal":
            end += 1
        deleted = "".join(s.text for s in segments[index:end] if s.op == "delete")
        inserted = "".join(s.text for s in segments[index:end] if s.op == "insert")
        before = result[-1].text if result and result[-1].op == "equal" else ""
        after = segments[end].text if end < len(segments) else ""
        head = NUMBER_END.search(before) if (deleted or inserted)[:1].isdigit() else None
        tail = NUMBER_START.search(after) if (deleted or inserted)[-1:].isdigit() else None
        head_text = head.group() if head else ""
        tail_text = tail.group() if tail else ""
        if head_text:
            result[-1] = Segment("equal", before[: -len(head_text)])
            if not result[-1].text:
                result.pop()
        deleted = head_text + deleted + tail_text if deleted or head_text or tail_text else ""
        inserted = head_text + inserted + tail_text if inserted or head_text or tail_text else ""
        _flush(result, deleted, inserted)
        if tail_text:
            remainder = after[len(tail_text) :]
            segments = [*segments[:end], Segment("equal", remainder), *segments[end + 1 :]]
            if not remainder:
                segments.pop(end)
        index = end
    return result


def _flush(segments: list[Segment], deleted: str, inserted: str) -> None:
    if deleted:
        segments.append(Segment("delete", deleted))
    if inserted:
        segments.append(Segment("insert", inserted))


def _alone(old: Unit | None, new: Unit | None) -> SentencePair:
    if old:
        return SentencePair(old, None, [Segment("delete", old.plain)])
    return SentencePair(None, new, [Segment("insert", new.plain)])


def _similarities(old: list[Unit], new: list[Unit]) -> dict[tuple[int, int], tuple[float, list]]:
    """Difflib's ratio (and opcodes) of the sentence pairs similar enough to pair. A replaced
    run keeps its order, so only pairs near its diagonal are compared, in a band widened by the
    difference in length (sentences added within the run do not push their neighbours out of
    reach), nearest first, and no further once one is nearly the same sentence. Each new
    sentence is indexed once (set_seq2), and the cheaper quick ratios screen first."""
    n, m = len(old), len(new)
    band = BAND + abs(n - m)
    if m * (2 * band + 1) > PAIRING_LIMIT:
        band = BAND
    similar = {}
    matcher = SequenceMatcher(None, autojunk=False)
    for j, sentence in enumerate(new):
        matcher.set_seq2(sentence.plain)
        centre = j * n / m
        near = range(max(0, math.ceil(centre - band)), min(n, math.floor(centre + band) + 1))
        for i in sorted(near, key=lambda i: abs(i - centre)):
            matcher.set_seq1(old[i].plain)
            if (
                matcher.real_quick_ratio() >= PAIRING_THRESHOLD
                and matcher.quick_ratio() >= PAIRING_THRESHOLD
                and (ratio := matcher.ratio()) >= PAIRING_THRESHOLD
            ):
                similar[(i, j)] = (ratio, matcher.get_opcodes())
                if ratio >= SURE_PAIR:
                    break
    return similar


def pair_sentences(old: list[Unit], new: list[Unit]) -> list[SentencePair]:
    """Pairs a replaced run in order, maximising the summed similarity of the pairs (an
    alignment, so sentences are never crossed); the unpaired ones are deleted or inserted."""
    if len(old) * len(new) > ALIGNMENT_LIMIT:  # a pathological section: pair in order
        similar = {(i, i): (1.0, None) for i in range(min(len(old), len(new)))}
    else:
        similar = _similarities(old, new)
    # best[i][j]: the best alignment of old[i:] with new[j:].
    best = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(len(old) - 1, -1, -1):
        for j in range(len(new) - 1, -1, -1):
            paired = best[i + 1][j + 1] + similar[(i, j)][0] if (i, j) in similar else 0.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], paired)
    pairs, i, j = [], 0, 0
    while i < len(old) and j < len(new):
        if (i, j) in similar and best[i][j] == best[i + 1][j + 1] + similar[(i, j)][0]:
            segments = inline_diff(old[i].plain, new[j].plain, similar[(i, j)][1])
            pairs.append(SentencePair(old[i], new[j], segments))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append(_alone(old[i], None))
            i += 1
        else:
            pairs.append(_alone(None, new[j]))
            j += 1
    pairs.extend(_alone(unit, None) for unit in old[i:])
    pairs.extend(_alone(None, unit) for unit in new[j:])
    return pairs


def diff_units(old: list[Unit], new: list[Unit]) -> list[SentenceOp]:
    matcher = SequenceMatcher(None, [u.plain for u in old], [u.plain for u in new], autojunk=False)
    ops = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        op = SentenceOp(tag, old[i1:i2], new[j1:j2])
        if tag == "replace":
            op.pairs = pair_sentences(op.old, op.new)
        elif tag != "equal":
            op.pairs = [_alone(u, None) for u in op.old] + [_alone(None, u) for u in op.new]
        ops.append(op)
    return ops


def diff_blocks(old_blocks: list[dict], new_blocks: list[dict]) -> list[SentenceOp]:
    if old_blocks == new_blocks:  # the common case between versions: no splitting, no diff
        units = sentences(new_blocks)
        return [SentenceOp("equal", units, units)] if units else []
    return diff_units(sentences(old_blocks), sentences(new_blocks))


@dataclass(slots=True)
class Row:
    """One sentence of a section's diff in reading order, for laying the diff out block by
    block: rows with the same ``block_group`` form one paragraph (or list, heading, caption)
    on the page, rows with the same ``item_group`` one list item (``{% ifchanged %}``)."""

    op: str  # "equal", "insert", "delete", "edit"
    old: Unit | None
    new: Unit | None
    segments: list[Segment]
    block_group: str = ""
    item_group: str = ""

    @property
    def unit(self) -> Unit:
        return self.new or self.old

    @property
    def kind(self) -> str:
        return self.unit.kind

    def as_dict(self) -> dict:
        return {
            "op": self.op,
            "old": self.old.as_dict() if self.old else None,
            "new": self.new.as_dict() if self.new else None,
            "segments": [s.as_dict() for s in self.segments],
            "block_group": self.block_group,
            "item_group": self.item_group,
        }


def rows(ops: list[SentenceOp]) -> list[Row]:
    """The ops as one row per sentence. A deleted sentence shows inside the new block that its
    old block went on in (a sentence struck out of a paragraph that stays), or in a block of
    its own when nothing of its old block is left."""
    flat: list[Row] = []
    for op in ops:
        if op.op == "equal":
            flat.extend(Row("equal", a, b, []) for a, b in zip(op.old, op.new, strict=True))
        else:
            flat.extend(Row(p.op, p.old, p.new, p.segments) for p in op.pairs)
    went_on = {}
    for row in flat:
        if row.old and row.new:
            went_on.setdefault((row.old.block, row.old.item), (row.new.block, row.new.item))
            went_on.setdefault((row.old.block, None), (row.new.block, None))
    for row in flat:
        if row.new:
            block, item, side = row.new.block, row.new.item, "new"
        elif (row.old.block, row.old.item) in went_on:
            (block, item), side = went_on[(row.old.block, row.old.item)], "new"
        elif (row.old.block, None) in went_on:
            block, side = went_on[(row.old.block, None)][0], "new"
            item = f"old-{row.old.block}-{row.old.item}"  # a deleted item of a list that stays
        else:
            block, item, side = row.old.block, row.old.item, "old"
        row.block_group = f"{side}-{block}"
        row.item_group = item if isinstance(item, str) else f"{side}-{block}-{item}"
    return flat
