"""JSON API of a plan's map: its layer catalogue and the point report."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.models import Layer
from layers.point_report import report_at
from layers.serializers import LayerSerializer
from planportal.api import AcceptLanguageMixin
from planportal.api_errors import NOT_FOUND, invalid
from planportal.models import Plan


@extend_schema_view(get=extend_schema(responses={200: LayerSerializer(many=True), 404: NOT_FOUND}))
class PlanLayersView(AcceptLanguageMixin, ListAPIView):
    """The published layers of a plan in map order, with style, legend and data links."""

    serializer_class = LayerSerializer
    pagination_class = None

    def get_queryset(self):
        plan = get_object_or_404(Plan.objects.public(), slug=self.kwargs["slug"])
        return (
            Layer.objects.public()
            .filter(plan=plan)
            .select_related("plan", "chapter", "section", "published_revision")
        )


class PointQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="EPSG:4326")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="EPSG:4326")


class PointReportSerializer(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    inside_plan_area = serializers.BooleanField(
        allow_null=True,
        help_text="true: inside the plan's area; false: outside its official boundary; null: "
        "outside the approximate extent (示意范围), so possibly outside (see plan_boundary).",
    )
    plan_boundary = serializers.ChoiceField(
        choices=["official", "approximate", "none"],
        help_text="What inside_plan_area was decided against: the official township boundary "
        "(a published XZQ layer with data status official), the approximate extent, or "
        "nothing (the plan has no area).",
    )
    elements = serializers.ListField(child=serializers.DictField())
    nearby_lines = serializers.ListField(child=serializers.DictField())
    nearest = serializers.ListField(child=serializers.DictField())
    sentences = serializers.ListField(
        child=serializers.CharField(),
        help_text="Plain sentences; one built from demonstration or schematic data says so "
        "(e.g. （演示数据）), as each item's data_mark (SJZT) does.",
    )


class PointReportView(AcceptLanguageMixin, APIView):
    """Every plan element at a point, the lines passing near it and the nearest facility of
    each kind with its distance in metres; ``sentences`` says the same in plain words."""

    @extend_schema(
        parameters=[PointQuerySerializer],  # lon and lat with their bounds
        responses={
            200: PointReportSerializer,
            400: invalid("lon or lat is missing, not a number or out of bounds."),
            404: NOT_FOUND,
        },
    )
    def get(self, request, slug: str):
        plan = get_object_or_404(Plan.objects.public(), slug=slug)
        query = PointQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return Response(query.errors, status=status.HTTP_400_BAD_REQUEST)
        report = report_at(plan, query.validated_data["lon"], query.validated_data["lat"])
        return Response(PointReportSerializer(report).data)
