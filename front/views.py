"""Public HTML pages: the plans by region (front/portal.py) and a plan's full text."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from consultation.embed import plan_page_context
from front.portal import attach_open_consultations, portal
from front.share_meta import plan_share
from front.version_context import version_context
from front.village import plan_villages
from layers.models import Layer
from planportal.importing.saving import published_document
from planportal.models import Plan, PlanVersion
from planportal.versions import with_text


def plan_list(request):
    plans = list(Plan.objects.public())
    attach_open_consultations(plans)
    counties, elsewhere = portal(plans)
    return render(request, "front/plan_list.html", {"counties": counties, "elsewhere": elsewhere})


def plan_detail(request, slug: str):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    return render_plan_page(request, plan, None, banner=False)


def render_plan_page(request, plan: Plan, version: PlanVersion | None, *, banner: bool):
    """The plan page of ``version`` (default: the current one); ``banner`` says which version
    it is (the pages /plans/<slug>/v/<n>/, front/version_pages.py)."""
    plan = with_text(plan, version)
    shown = plan.current_version
    # Which sections the map can show (for their "view on the map" links), in one query: by
    # number, as a layer points at a section of the current version.
    layer_sections = list(
        Layer.objects.public().filter(plan=plan).values_list("section__number", flat=True)
    )
    context = {
        "plan": plan,
        "has_map_layers": bool(layer_sections),
        "mapped_sections": {number for number in layer_sections if number is not None},
        "has_geopackage": Layer.objects.with_features().filter(plan=plan).exists(),
        "original_document": published_document(plan),
        "villages": plan_villages(plan),
        "share": plan_share(
            request,
            plan,
            [section for chapter in plan.chapters.all() for section in chapter.sections.all()],
        ),
    }
    context.update(plan_page_context(plan))
    context.update(version_context(plan, shown, banner=banner))
    if banner and not context["is_current_version"]:
        # Opinions are given on the current version: an older one shows its opinions only.
        context.update({"consultation": None, "comment_config": None})
    return render(request, "front/plan_detail.html", context)


def plan_document(request, slug: str):
    """The plan's original document (the file of its last saved text import), for everyone
    once the plan is published; the name is the one it was uploaded with."""
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    document = published_document(plan)
    if document is None:
        raise Http404("This plan has no original document.")
    try:
        stored = document.original.open("rb")
    except FileNotFoundError:
        # The row outlived its file (media restored from an older backup): say so plainly.
        raise Http404("The original document is not in the media storage.") from None
    response = FileResponse(stored, as_attachment=True, filename=document.original_name)
    response["X-Content-SHA256"] = document.sha256
    return response
