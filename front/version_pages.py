"""A plan's published versions as pages: ``/plans/<slug>/v/<n>/`` (the text of version n,
laid out as the plan page) and ``/plans/<slug>/v/<n>/changes/?against=<m>`` (what changed
from version m, by default the published version before n), with the map of one layer's
changes (``.../changes/layers/<collection>/``) and its GeoJSON."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from front.version_changes import (
    BadComparison,
    changes_context,
    layer_comparison,
    layer_map_context,
)
from front.version_context import readable_version
from front.views import render_plan_page


@require_safe
def plan_version(request, slug: str, number: int):
    plan, version = readable_version(request, slug, number)
    return render_plan_page(request, plan, version, banner=True)


@require_safe
def version_changes(request, slug: str, number: int):
    plan, version = readable_version(request, slug, number)
    try:
        context = changes_context(request, plan, version, request.GET.get("against"))
    except BadComparison as refused:
        context = {"plan": plan, "version": version, "message": str(refused)}
        return render(request, "front/version_changes_refused.html", context, status=400)
    return render(request, "front/version_changes.html", context)


@require_safe
def layer_changes_map(request, slug: str, number: int, collection_id: str):
    plan, version = readable_version(request, slug, number)
    try:
        comparison = layer_comparison(plan, version, request.GET.get("against"), collection_id)
    except BadComparison as refused:
        raise Http404(str(refused)) from None
    context = layer_map_context(plan, version, comparison)
    return render(request, "front/version_layer_map.html", context)


@require_safe
def layer_changes_geojson(request, slug: str, number: int, collection_id: str):
    """The features of the map: only for a layer whose coordinates are public."""
    plan, version = readable_version(request, slug, number)
    try:
        comparison = layer_comparison(plan, version, request.GET.get("against"), collection_id)
    except BadComparison as refused:
        raise Http404(str(refused)) from None
    if not comparison.layer.allows_features:
        raise Http404("This layer's coordinates are not published.")
    return JsonResponse(comparison.feature_collection(), json_dumps_params={"ensure_ascii": False})
