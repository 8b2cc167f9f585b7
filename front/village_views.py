"""The village page, ``/plans/<slug>/villages/<12-digit code>/``: what the plan says about one
village or 社区 (gathered in front/village.py), its opinions and 提意见 for it."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from consultation.embed import current_consultation
from consultation.models import Comment
from consultation.published import public_comment
from front.map import _basemap
from front.share_meta import village_share
from front.village import find_village, village_report
from planportal.models import Plan

MAX_OPINIONS = 50


def village_page(request, slug: str, code: str):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    village = find_village(plan, code)
    if village is None:
        raise Http404("No village of this plan has that code.")
    report = village_report(plan, village)
    consultation = current_consultation(plan)
    opinions = []
    if consultation is not None and consultation.show_published_comments:
        comments = (
            Comment.objects.published()
            .filter(consultation=consultation, villages__contains=[village.name])
            .select_related("section", "layer", "reply")
            .order_by("-created_at")[:MAX_OPINIONS]
        )
        opinions = [public_comment(comment) for comment in comments]
    return render(
        request,
        "front/village.html",
        {
            "plan": plan,
            "village": village,
            "report": report,
            "consultation": consultation,
            "opinions": opinions,
            "comment_url": _comment_url(consultation, village),
            "map_url": _map_url(plan, village),
            "map_config": _small_map_config(report) if report.map_data else None,
            "share": village_share(request, plan, village),
        },
    )


def _comment_url(consultation, village) -> str:
    """The comment form aimed at the village's point (its feature), so the opinion is tagged
    with the village as one given on the map would be; "" when no opinion can be given."""
    if consultation is None or not consultation.is_open:
        return ""
    url = reverse("consultation-comment", args=[consultation.pk])
    target = village.point or village.area
    layer = village.point_layer if village.point is not None else village.area_layer
    if target is None or layer is None:
        return url
    params = {
        "collection_id": layer.collection_id,
        "feature_id": target.pk,
        "feature_name": village.name,
    }
    return f"{url}?{urlencode(params)}"


def _map_url(plan, village) -> str:
    url = reverse("plan-map", args=[plan.slug])
    if village.point is None or not village.point_layer.allows_features:
        return url
    return f"{url}?{urlencode({'village': village.name})}"


def _small_map_config(report) -> dict:
    return {
        "shapes": report.map_data,
        "basemap": _basemap(),
        "strings": {"map_label": _("Map of %(village)s") % {"village": report.village.name}},
    }
