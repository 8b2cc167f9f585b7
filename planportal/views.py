"""Public HTML pages: the list of plans and a plan's full text."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from planportal.models import Chapter, Plan, Section


def plan_list(request):
    plans = Plan.objects.public()
    return render(request, "planportal/plan_list.html", {"plans": plans})


def plan_detail(request, slug: str):
    chapters = Chapter.objects.prefetch_related(
        Prefetch("sections", queryset=Section.objects.order_by("position"))
    )
    plan = get_object_or_404(
        Plan.objects.public().prefetch_related(
            Prefetch("chapters", queryset=chapters), "indicators__section"
        ),
        slug=slug,
    )
    return render(request, "planportal/plan_detail.html", {"plan": plan})
