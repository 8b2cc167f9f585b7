"""JSON API of a plan's published versions: the list, one version's full text with the layer
revisions it recorded, and what changed between two versions (the text diff of
planportal/textdiff, indicators, figures and layers). Public: published versions of
published plans only; everything else is 404."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from front.version_changes import BadComparison, compared_version, text_diff
from front.version_context import current_of
from layers.versions import layer_changes, version_layers
from planportal.api import AcceptLanguageMixin
from planportal.api_errors import NOT_FOUND, ApiErrorSerializer
from planportal.models import Plan, PlanVersion
from planportal.serializers import VersionSummarySerializer, VersionTextSerializer
from planportal.version_compare import figure_changes, indicator_changes
from planportal.versions import public_versions, with_text


class VersionLayerSerializer(serializers.Serializer):
    collection_id = serializers.CharField(source="layer.collection_id")
    title = serializers.CharField(source="layer.title")
    revision = serializers.IntegerField(source="revision.number")
    feature_count = serializers.IntegerField(source="revision.feature_count")


class VersionDetailSerializer(VersionTextSerializer):
    layers = serializers.SerializerMethodField(
        help_text="the layer revisions the version was published with"
    )

    @extend_schema_field(VersionLayerSerializer(many=True))
    def get_layers(self, version) -> list[dict]:
        return VersionLayerSerializer(version_layers(version), many=True).data


CHANGE_LIST = {"type": "array", "items": {"type": "object"}}
DIFF_SCHEMA = {
    "type": "object",
    "required": ["version", "against", "text", "indicators", "figures", "layers"],
    "properties": {
        "version": {"type": "integer"},
        "against": {"type": "integer", "nullable": True, "description": "null: version 1"},
        "text": {
            "type": "object",
            "nullable": True,
            "description": "planportal.textdiff.TextDiff.as_dict(): totals, cover, preface, "
            "chapters (each with its sections' sentence operations), closing",
        },
        "indicators": {**CHANGE_LIST, "description": "name, role, status, old/new value"},
        "figures": {**CHANGE_LIST, "description": "title, status (added/removed/replaced)"},
        "layers": {
            **CHANGE_LIST,
            "description": "per layer: status, revisions, counts added/removed/changed, "
            "hectares before/after",
        },
    },
}
AGAINST = OpenApiParameter(
    "against",
    int,
    description="the published version to compare with (default: the one before)",
)
BAD_AGAINST = OpenApiResponse(
    ApiErrorSerializer, description="against is not the number of another published version."
)


def _published(slug: str, number: int | None = None):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    if number is None:
        return plan, None
    return plan, get_object_or_404(public_versions(plan), number=number)


def _context(request, plan: Plan, number: int | None = None) -> dict:
    current = current_of(list(public_versions(plan).order_by("number")))
    return {"request": request, "current_version_id": current and current.pk, "number": number}


class PlanVersionsView(AcceptLanguageMixin, APIView):
    @extend_schema(
        summary="A plan's published versions",
        responses={200: VersionSummarySerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request, slug: str):
        plan, _ = _published(slug)
        versions = public_versions(plan).select_related("plan").order_by("number")
        data = VersionSummarySerializer(versions, many=True, context=_context(request, plan))
        return Response(data.data)


class PlanVersionView(AcceptLanguageMixin, APIView):
    @extend_schema(
        summary="One published version: its text, indicators, figures and layer revisions",
        responses={200: VersionDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request, slug: str, number: int):
        plan, version = _published(slug, number)
        version = with_text(plan, version).current_version
        context = _context(request, plan, number)
        return Response(VersionDetailSerializer(version, context=context).data)


class PlanVersionDiffView(AcceptLanguageMixin, APIView):
    @extend_schema(
        summary="What changed in a published version since another",
        parameters=[AGAINST],
        responses={200: OpenApiResponse(DIFF_SCHEMA), 400: BAD_AGAINST, 404: NOT_FOUND},
    )
    def get(self, request, slug: str, number: int):
        plan, version = _published(slug, number)
        try:
            old = compared_version(plan, version, request.query_params.get("against"))
        except BadComparison as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(version_diff(version, old))


def version_diff(version: PlanVersion, old: PlanVersion | None) -> dict:
    if old is None:
        nothing = {"text": None, "indicators": [], "figures": [], "layers": []}
        return {"version": version.number, "against": None, **nothing}
    return {
        "version": version.number,
        "against": old.number,
        "text": text_diff(old, version).as_dict(),
        "indicators": [change.as_dict() for change in indicator_changes(old, version)],
        "figures": [change.as_dict() for change in figure_changes(old, version)],
        "layers": [change.as_dict() for change in layer_changes(old, version)],
    }
