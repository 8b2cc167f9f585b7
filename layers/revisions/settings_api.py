"""The planners' API of a layer's settings and of withdrawing it, under /api/ (outside the
language prefixes):

- ``GET /api/layers/{collection}/``: the layer's settings, whether the public sees it, and
  what the publish gate (gate.py) still asks for;
- ``PATCH /api/layers/{collection}/``: changes some of them (one audit event); 400 with the
  messages per field when a value is refused, and then nothing changes;
- ``POST /api/layers/{collection}/unpublish/``: withdraws the layer from the public, keeping
  its revisions (publishing.withdraw); 409 when ``expected_current`` is not what is published.

Planners only (token or session with CSRF), as the other staff endpoints.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from layers.models import Layer
from layers.revisions.gate import (
    SettingsRefused,
    missing_message,
    missing_settings,
    parse_data_status,
    update_settings,
)
from layers.revisions.publishing import PublishConflict, withdraw
from layers.revisions.serializers import (
    LayerSettingsSerializer,
    PublishConflictSerializer,
    UnpublishedSerializer,
    UnpublishRequestSerializer,
)
from planportal.api import StaffAPIView
from planportal.api_errors import UNSUPPORTED_MEDIA_TYPE, invalid, staff_refusals
from planportal.models import Section
from planportal.roles import IsPlanner, require_layers_right
from planportal.versions import current_version


def _layer(user, collection_id: str) -> Layer:
    """The layer, for a planner of its plan (403 for others)."""
    layer = get_object_or_404(
        Layer.objects.select_related("plan", "section", "published_revision"),
        collection_id=collection_id,
    )
    require_layers_right(user, layer.plan)
    return layer


def settings_body(layer: Layer) -> dict:
    missing = missing_settings(layer)
    revision = layer.published_revision
    return {
        "collection": layer.collection_id,
        "plan": layer.plan.slug,
        "code": layer.code,
        "title": layer.title,
        "section": layer.section.number if layer.section else None,
        "data_status": layer.data_status,
        "source_note": layer.source_note,
        "publication_note": layer.publication_note,
        "public_policy": layer.public_policy,
        "restricted": layer.is_restricted,
        "published": revision.number if revision else None,
        "is_public": Layer.objects.public().filter(pk=layer.pk).exists(),
        "missing": missing,
        "missing_message": missing_message(missing) if missing else "",
    }


class LayerSettingsView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="layer_settings",
        summary="A layer's settings (planners)",
        description=(
            "Title, section, data status, source, publication note and public policy, whether "
            "the public sees the layer, and what the publish gate still asks for (`missing`): "
            "a revision is published only once the layer has a section, a data status, a "
            "source and a publication note."
        ),
        responses={200: LayerSettingsSerializer, **staff_refusals("a planner", "No such layer.")},
        tags=["planners"],
    )
    def get(self, request, collection_id: str):
        return Response(settings_body(_layer(request.user, collection_id)))

    @extend_schema(
        operation_id="layer_settings_update",
        summary="Change a layer's settings (planners)",
        description=(
            "Changes the fields given, in one transaction with one audit event holding each "
            "changed field before and after. Refused (400, nothing changes) when a section is "
            "not one of the plan's, when a published layer would lose a setting the publish "
            "gate asks for, or when a restricted layer (永久基本农田, 生态保护红线, ...) is given "
            "`features` without `confirm_restricted_features`."
        ),
        request=LayerSettingsSerializer,
        responses={
            200: LayerSettingsSerializer,
            400: invalid("A value was refused; the answer names the field."),
            **staff_refusals("a planner", "No such layer."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def patch(self, request, collection_id: str):
        layer = _layer(request.user, collection_id)
        body = LayerSettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        confirmed = data.pop("confirm_restricted_features", False)
        if "data_status" in data:
            data["data_status"] = parse_data_status(data["data_status"]) or ""
        if "section" in data:
            number = (data["section"] or "").strip()
            section = None
            if number:
                section = Section.objects.filter(
                    chapter__version=current_version(layer.plan), number=number
                ).first()
                if section is None:
                    return Response(
                        {"section": [_("The section is not one of this layer's plan.")]},
                        status=status.HTTP_400_BAD_REQUEST,
                    )
            data["section"] = section
        try:
            update_settings(layer, request.user, data, confirm_restricted_features=confirmed)
        except SettingsRefused as refused:
            errors = {field: [message] for field, message in refused.errors.items()}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(settings_body(_layer(request.user, collection_id)))


class LayerUnpublishView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="layer_unpublish",
        summary="Withdraw a layer from the public (planners)",
        description=(
            "No revision is published any more: the map, tiles, OGC API and point report stop "
            "showing the layer. Its revisions are kept, and any of them can be published "
            "again. With `expected_current` the answer is 409 when the published revision is "
            "no longer the one the caller saw. Writes an audit event."
        ),
        request=UnpublishRequestSerializer,
        responses={
            200: UnpublishedSerializer,
            400: invalid("Invalid body."),
            **staff_refusals("a planner", "No such layer."),
            409: OpenApiResponse(
                PublishConflictSerializer, description="The published revision changed."
            ),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, collection_id: str):
        layer = _layer(request.user, collection_id)
        body = UnpublishRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        options = {}
        if "expected_current" in body.validated_data:
            options["expected_current"] = body.validated_data["expected_current"]
        try:
            outcome = withdraw(layer, actor=request.user, **options)
        except PublishConflict as conflict:
            return Response(
                {"detail": str(conflict), "current": conflict.current},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(
            {
                "collection": layer.collection_id,
                "previous": outcome.previous.number if outcome.previous else None,
                "changed": outcome.changed,
            }
        )
