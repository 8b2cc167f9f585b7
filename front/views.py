"""Public HTML pages: the list of plans and a plan's full text."""

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from consultation.embed import plan_page_context
from layers.models import Layer
from planportal.importing.saving import published_document
from planportal.models import Chapter, Plan, Section


def plan_list(request):
    plans = Plan.objects.public()
    return render(request, "front/plan_list.html", {"plans": plans})


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
    # Which sections the map can show (for their "view on the map" links), in one query.
    layer_sections = list(
        Layer.objects.public().filter(plan=plan).values_list("section", flat=True)
    )
    context = {
        "plan": plan,
        "has_map_layers": bool(layer_sections),
        "mapped_sections": {section for section in layer_sections if section is not None},
        "original_document": published_document(plan),
    }
    context.update(plan_page_context(plan))
    return render(request, "front/plan_detail.html", context)


def plan_document(request, slug: str):
    """The plan's original document (the file of its last saved text import), for everyone
    once the plan is published; the name is the one it was uploaded with."""
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    document = published_document(plan)
    if document is None:
        raise Http404("This plan has no original document.")
    response = FileResponse(
        document.original.open("rb"), as_attachment=True, filename=document.original_name
    )
    response["X-Content-SHA256"] = document.sha256
    return response
