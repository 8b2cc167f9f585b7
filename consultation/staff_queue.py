"""The officials' queue: which comments a filter selects, the plan's villages, and the
comments' places for the queue map. Plain functions over querysets, no HTTP."""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON, PointOnSurface
from django.db.models import Case, Q, QuerySet, When

from consultation.models import Comment, Consultation
from layers.models import Feature, Layer, PublicPolicy
from planportal.models import Plan

# Coordinates in the map's GeoJSON: 6 decimals are ~0.1 m, more only costs bytes.
MAP_PRECISION = 6
EXCERPT_CHARS = 80


def village_layer(plan: Plan) -> Layer | None:
    """The plan's village points (as the map's village search finds them), else its village
    classification polygons, whose names the submission records in Comment.villages."""
    layers = Layer.objects.filter(plan=plan, published_revision__isnull=False).order_by(
        "position", "pk"
    )
    return layers.village_points().first() or layers.village_areas().first()


def plan_villages(plan: Plan) -> list[str]:
    """The names of the plan's villages, from the published revision of its village layer."""
    layer = village_layer(plan)
    if layer is None:
        return []
    names = (
        Feature.objects.filter(revision_id=layer.published_revision_id)
        .exclude(name="")
        .values_list("name", flat=True)
        .distinct()
    )
    return sorted(names)


def queue_comments(consultation: Consultation) -> QuerySet:
    return (
        Comment.objects.filter(consultation=consultation)
        .select_related("section__chapter", "layer__chapter", "feature", "reply", "entered_by")
        .order_by("-created_at", "-pk")
    )


def filter_queue(comments: QuerySet, criteria: dict) -> QuerySet:
    """Narrows the queue by the cleaned filter form (empty values select everything)."""
    if criteria.get("state"):
        comments = comments.filter(state=criteria["state"])
    if criteria.get("stance"):
        comments = comments.filter(stance=criteria["stance"])
    if criteria.get("channel"):
        comments = comments.filter(channel=criteria["channel"])
    if criteria.get("chapter"):
        chapter = criteria["chapter"]
        comments = comments.filter(Q(section__chapter=chapter) | Q(layer__chapter=chapter))
    if criteria.get("layer"):
        comments = comments.filter(layer=criteria["layer"])
    if criteria.get("village"):
        comments = comments.filter(villages__contains=[criteria["village"]])
    result = criteria.get("result")
    if result == "none":
        comments = comments.filter(reply__isnull=True)
    elif result:
        comments = comments.filter(reply__result=result)
    text = (criteria.get("q") or "").strip()
    if text:
        comments = comments.filter(Q(receipt_code=text.upper()) | Q(body__icontains=text))
    return comments


def comment_chapter(comment: Comment):
    """The chapter an opinion is about: its section's, else its layer's."""
    if comment.section_id:
        return comment.section.chapter
    if comment.layer_id:
        return comment.layer.chapter
    return None


def excerpt(text: str, length: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def map_features(comments: QuerySet, detail_url) -> dict:
    """The comments that point at a place, as a GeoJSON FeatureCollection for the staff map.

    A drawn place is shown as drawn; a feature as its geometry in the revision the resident
    saw, except for tiles-only layers (e.g. 永久基本农田), whose coordinates are never served
    as data, even to staff: there a point on the parcel marks the place."""
    placed = comments.filter(Q(drawn__isnull=False) | Q(feature__isnull=False)).annotate(
        geometry_json=Case(
            When(drawn__isnull=False, then=AsGeoJSON("drawn", precision=MAP_PRECISION)),
            When(
                layer__public_policy=PublicPolicy.TILES_ONLY,
                then=AsGeoJSON(PointOnSurface("feature__geom"), precision=MAP_PRECISION),
            ),
            default=AsGeoJSON("feature__geom", precision=MAP_PRECISION),
        )
    )
    features = []
    for comment in placed.defer("feature__geom", "drawn"):
        features.append(
            {
                "type": "Feature",
                "id": comment.pk,
                "geometry": json.loads(comment.geometry_json),
                "properties": {
                    "receipt_code": comment.receipt_code,
                    "stance": comment.stance,
                    "stance_label": str(comment.get_stance_display()),
                    "state": comment.state,
                    "state_label": str(comment.get_state_display()),
                    "excerpt": excerpt(comment.body),
                    "url": detail_url(comment),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
