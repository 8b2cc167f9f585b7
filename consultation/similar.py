"""Opinions that say the same thing: a village's 联名意见 copied by many, the same text sent by
many residents with a changed word, comma or order. Found for the official, who decides.

The text is cut into words with jieba (a maintained Chinese word segmenter); punctuation,
spaces and a few function words (的, 了, 我们 …) are dropped, so "建议在柳湾村增设公交站点，方便
老人出行" and "方便老人出行，建议柳湾村增设公交站点！" are the same set of words. Two opinions are
similar when the Jaccard index of their word sets (shared words over all words) reaches
``SIMILAR_OPINION_THRESHOLD``; a group is every opinion linked to another by similarity
(single linkage), within one consultation. Pure Python: a consultation's few thousand opinions
are compared pair by pair only where their sizes allow the threshold.
"""

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba
from django.conf import settings

from consultation.models import Comment, CommentState, Consultation

jieba.setLogLevel(logging.WARNING)  # it announces loading its dictionary on every start

# Words that carry no meaning of their own in an opinion; without them two texts differing
# only by "我们" or "的" compare equal.
FUNCTION_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "是",
        "在",
        "对",
        "把",
        "被",
        "也",
        "都",
        "就",
        "还",
        "请",
        "我",
        "我们",
        "你",
        "你们",
        "他们",
        "这",
        "那",
        "这个",
        "那个",
        "一个",
        "啊",
        "吧",
        "呢",
        "吗",
    ]
)


@lru_cache(maxsize=20_000)
def words(text: str) -> frozenset[str]:
    """The words of an opinion, without punctuation, spaces or function words."""
    normal = unicodedata.normalize("NFKC", text).lower()
    return frozenset(
        word
        for word in jieba.lcut(normal)
        if word.strip() and not _is_punctuation(word) and word not in FUNCTION_WORDS
    )


def _is_punctuation(word: str) -> bool:
    return all(unicodedata.category(char)[0] in "PSZ" for char in word)


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """The Jaccard index of two word sets: 1 for the same words, 0 for none shared."""
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def threshold() -> float:
    return float(settings.SIMILAR_OPINION_THRESHOLD)


def similar_groups(texts: list[str], limit: float | None = None) -> list[list[int]]:
    """Indexes of ``texts`` in groups of two or more similar texts, each group in the order
    given, groups by their first member."""
    limit = threshold() if limit is None else limit
    sets = [words(text) for text in texts]
    parent = list(range(len(texts)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i, first in enumerate(sets):
        for j in range(i + 1, len(sets)):
            second = sets[j]
            # The index is at most the smaller set over the larger: skip hopeless pairs early.
            small, large = sorted((len(first), len(second)))
            if large and small / large < limit:
                continue
            if similarity(first, second) >= limit:
                parent[root(j)] = root(i)
    members: dict[int, list[int]] = {}
    for index in range(len(texts)):
        members.setdefault(root(index), []).append(index)
    return sorted((group for group in members.values() if len(group) > 1), key=lambda g: g[0])


@dataclass(frozen=True)
class OpinionGroup:
    """Similar opinions of one consultation, the first received first."""

    comments: list[Comment]

    @property
    def first(self) -> Comment:
        return self.comments[0]

    @property
    def size(self) -> int:
        return len(self.comments)

    @property
    def villages(self) -> list[str]:
        return sorted({village for comment in self.comments for village in comment.villages})

    @property
    def answered(self) -> int:
        return sum(1 for comment in self.comments if _has_reply(comment))

    @property
    def is_grouped(self) -> bool:
        """Already kept as one opinion (every other member repeats the first)."""
        return all(c.duplicate_of_id == self.first.pk for c in self.comments[1:])


def _has_reply(comment: Comment) -> bool:
    try:
        return comment.reply is not None
    except Comment.reply.RelatedObjectDoesNotExist:
        return False


def consultation_groups(consultation: Consultation, selection=None) -> list[OpinionGroup]:
    """The groups of similar opinions of a consultation, or of the ``selection`` of its
    comments the official filtered (hidden comments are not opinions)."""
    comments = selection if selection is not None else Comment.objects.all()
    comments = list(
        comments.filter(consultation=consultation)
        .exclude(state=CommentState.HIDDEN)
        .select_related("reply")
        .order_by("created_at", "pk")
    )
    return [
        OpinionGroup([comments[i] for i in group])
        for group in similar_groups([c.body for c in comments])
    ]


def group_of(comment: Comment) -> OpinionGroup | None:
    """The group of similar opinions ``comment`` belongs to, if any."""
    for group in consultation_groups(comment.consultation):
        if any(member.pk == comment.pk for member in group.comments):
            return group
    return None
