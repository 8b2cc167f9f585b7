"""What the public may see of the opinions: published comments (``Comment.objects.published()``,
so only of consultations that show them) with their published answers.

Nothing personal leaves here: the name only with its own consent, else "Villager"; no phone
number, e-mail address, photo, receipt code or client key; phone numbers and e-mail addresses
typed into the text are blotted out. A comment on a feature of a tiles-only layer carries the
feature id but no coordinates (the map finds the feature in its tiles).
"""

import json

from django.contrib.gis.db.models.functions import PointOnSurface
from django.utils.translation import gettext as _

from consultation.models import Comment, Consultation
from consultation.periods import china_date
from consultation.privacy import mask_contacts
from layers.models import PublicPolicy


def published_comments(consultation: Consultation, section_ids=None):
    comments = (
        Comment.objects.published()
        .filter(consultation=consultation)
        .select_related("section", "layer", "reply")
        .order_by("created_at", "pk")
    )
    if section_ids is not None:
        comments = comments.filter(section_id__in=section_ids)
    return comments


def published_reply(comment: Comment) -> dict | None:
    try:
        reply = comment.reply
    except Comment.reply.RelatedObjectDoesNotExist:
        return None
    if not reply.is_published:
        return None
    return {
        "result": reply.result,
        "result_label": reply.get_result_display(),
        "reason": reply.reason,
        "answered_at": reply.answered_at.isoformat(),
        # The day in China the answer was last saved: what the receipt calls its date.
        "answered_on": china_date(reply.answered_at).isoformat(),
    }


def target_summary(comment: Comment) -> dict:
    if comment.section_id:
        section = comment.section
        return {
            "type": "section",
            "section": section.number,
            "section_title": section.title,
            "anchor": section.anchor,
            "label": _("Section %(number)s %(title)s")
            % {"number": section.number, "title": section.title},
        }
    if comment.feature_id:
        layer = comment.layer
        return {
            "type": "feature",
            "collection_id": layer.collection_id if layer else "",
            "feature_id": comment.feature_id,
            "layer_title": layer.title if layer else "",
            "label": _("A feature of the map layer %(layer)s")
            % {"layer": layer.title if layer else ""},
        }
    if comment.drawn is not None:
        return {"type": "drawn", "label": _("A place drawn on the map")}
    return {"type": "plan", "label": _("The plan as a whole")}


def public_comment(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "received": comment.created_at.date().isoformat(),
        "stance": comment.stance,
        "stance_label": comment.get_stance_display(),
        "name": mask_contacts(comment.public_name),
        "body": mask_contacts(comment.body),
        "target": target_summary(comment),
        "villages": list(comment.villages),
        "control_lines": list(comment.control_lines),
        "reply": published_reply(comment),
    }


def _geometry(comment: Comment) -> dict | None:
    if comment.drawn is not None:
        return json.loads(comment.drawn.geojson)
    point = getattr(comment, "feature_point", None)
    if point is not None and comment.layer and comment.layer.public_policy == PublicPolicy.FEATURES:
        return json.loads(point.geojson)
    return None


def published_collection(consultation: Consultation) -> dict:
    """The published comments as a GeoJSON FeatureCollection for the map. ``geometry`` is the
    drawn place, or a point on the commented feature of a downloadable layer; null for
    sections, the whole plan and features of tiles-only layers."""
    comments = published_comments(consultation).annotate(
        feature_point=PointOnSurface("feature__geom")
    )
    return {
        "type": "FeatureCollection",
        "consultation": consultation.pk,
        "shows_comments": consultation.show_published_comments,
        "features": [
            {
                "type": "Feature",
                "id": comment.pk,
                "geometry": _geometry(comment),
                "properties": public_comment(comment),
            }
            for comment in comments
        ],
    }


def comments_by_section(consultation: Consultation) -> dict[int, list[dict]]:
    by_section: dict[int, list[dict]] = {}
    for comment in published_comments(consultation).filter(section__isnull=False):
        by_section.setdefault(comment.section_id, []).append(public_comment(comment))
    return by_section
