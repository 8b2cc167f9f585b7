"""Statistics of a consultation for officials: opinions by chapter, village, stance and
result, and the villages no opinion has come from yet (where a notice or a visit may help).

Hidden comments are not opinions on the plan and are left out of every count except their
own. Villages are the names of the plan's village layer (see staff_queue.plan_villages), the
same names the submission records in ``Comment.villages``.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consultation.models import Comment, CommentState, Consultation, Result, Stance
from consultation.staff_queue import plan_villages
from planportal.roles import official_required, require_moderation_right


@dataclass
class Stats:
    total: int
    hidden: int
    by_chapter: list[tuple[str, int]]
    by_village: list[tuple[str, int]]
    villages_without: list[str]
    by_stance: list[tuple[str, int]]
    by_result: list[tuple[str, int]]


def consultation_stats(consultation: Consultation) -> Stats:
    all_comments = Comment.objects.filter(consultation=consultation)
    opinions = all_comments.exclude(state=CommentState.HIDDEN)
    villages = plan_villages(consultation.plan)
    known = set(villages)
    village_counts = Counter(
        name for names in opinions.values_list("villages", flat=True) for name in names
    )
    return Stats(
        total=opinions.count(),
        hidden=all_comments.filter(state=CommentState.HIDDEN).count(),
        by_chapter=_by_chapter(consultation, opinions),
        by_village=[(name, village_counts[name]) for name in villages]
        # Names a comment recorded that the layer no longer has (a newer revision) still count.
        + sorted((n, c) for n, c in village_counts.items() if n not in known),
        villages_without=[name for name in villages if not village_counts[name]],
        by_stance=_by_choice(opinions, "stance", Stance.choices),
        by_result=_by_result(opinions),
    )


def _by_chapter(consultation: Consultation, opinions) -> list[tuple[str, int]]:
    counts = dict(
        opinions.annotate(chapter_id=Coalesce("section__chapter_id", "layer__chapter_id"))
        .values("chapter_id")
        .annotate(n=Count("pk"))
        .values_list("chapter_id", "n")
    )
    rows = [
        (str(chapter), counts.get(chapter.pk, 0))
        for chapter in consultation.shown_version.chapters.order_by("number")
    ]
    rows.append((_("The plan as a whole"), counts.get(None, 0)))
    return rows


def _by_choice(opinions, field: str, choices) -> list[tuple[str, int]]:
    counts = dict(opinions.values(field).annotate(n=Count("pk")).values_list(field, "n"))
    return [(str(label), counts.get(value, 0)) for value, label in choices]


def _by_result(opinions) -> list[tuple[str, int]]:
    counts = dict(
        opinions.values("reply__result").annotate(n=Count("pk")).values_list("reply__result", "n")
    )
    return [(str(label), counts.get(value, 0)) for value, label in Result.choices] + [
        (_("Not answered yet"), counts.get(None, 0))
    ]


@require_GET
@official_required
def stats_page(request, pk: int):
    consultation = get_object_or_404(Consultation.objects.select_related("plan"), pk=pk)
    require_moderation_right(request.user, consultation.plan)
    return render(
        request,
        "consultation/staff/stats.html",
        {"consultation": consultation, "stats": consultation_stats(consultation)},
    )
