"""The plan's figures (图集) through the API, for planners:

- ``GET /api/plans/{slug}/figures/``: every figure of the plan (published or not);
- ``POST /api/plans/{slug}/figures/`` (multipart): uploads one, 201 with it, 400 with the
  refusal under ``file`` (a disguised or damaged file, a wrong section) and nothing stored;
- ``GET``/``PATCH``/``DELETE /api/plans/{slug}/figures/{id}/``: one figure, its title,
  section, 审图号 and position, or its removal.

Every change goes through planportal/figures.py, with its audit event. The public reads the
figures in the plan detail (``/api/plans/{slug}/``) and downloads them from the plan page's
URLs.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from planportal import figures
from planportal.api import StaffAPIView
from planportal.api_errors import UNSUPPORTED_MEDIA_TYPE, ApiErrorSerializer, invalid
from planportal.api_errors import staff_refusals as _staff_refusals
from planportal.api_fields import StrictCharField, StrictIntegerField
from planportal.models import Plan, PlanFigure
from planportal.roles import IsPlanner, require_layers_right
from planportal.serializers import FigureSerializer
from planportal.versions import latest_version


@extend_schema_field(OpenApiTypes.BINARY)  # a file part in the request, not a URL
class FigureFileField(serializers.FileField):
    pass


class FigureUploadSerializer(serializers.Serializer):
    file = FigureFileField(help_text="A PNG or JPEG image, or a PDF.")
    title = serializers.CharField(max_length=200, help_text="The sheet's title as printed.")
    section = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="The number of the section it belongs to (3.2); blank for the whole plan.",
    )
    review_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="审图号, where the sheet has one.",
    )


class FigureUpdateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200, required=False)
    section = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="A section number of the plan; blank detaches the figure from its section.",
    )
    review_number = StrictCharField(required=False, allow_blank=True, max_length=60)
    position = StrictIntegerField(required=False, min_value=0, max_value=1_000_000)


class FigureTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"


def staff_refusals() -> dict:
    return _staff_refusals("a planner", "No such plan or figure.")


def _plan(slug: str, user) -> Plan:
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(user, plan)  # a planner of this plan (403 for another plan's)
    return plan


def _figure(slug: str, pk: int, user) -> PlanFigure:
    figure = get_object_or_404(
        PlanFigure.objects.select_related("plan", "section"), pk=pk, plan__slug=slug
    )
    require_layers_right(user, figure.plan)
    return figure


def _refused(field: str, refused: figures.FigureRefused) -> Response:
    return Response({field: [str(refused)]}, status=status.HTTP_400_BAD_REQUEST)


class PlanFiguresView(StaffAPIView):
    """A plan's figures: list them or upload one (planners)."""

    permission_classes = [IsPlanner]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="plan_figures",
        summary="A plan's figures (planners)",
        description="Every figure of the plan, published or not, in their order.",
        responses={200: FigureSerializer(many=True), **staff_refusals()},
        tags=["planners"],
    )
    def get(self, request, slug: str):
        plan = _plan(slug, request.user)
        listed = (
            latest_version(plan)
            .figures.select_related("plan", "section")
            .order_by("position", "id")
        )
        return Response(FigureSerializer(listed, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="plan_figure_upload",
        summary="Upload a figure of the plan (planners)",
        description=(
            "A PNG or JPEG image (a thumbnail is made) or a PDF, with its title, the section "
            "it belongs to and its 审图号. The content must be what the file's name says: a "
            "disguised, damaged, password-protected or oversized file is refused (400 or 413, "
            "the reason under `file`) and nothing is stored. Writes an audit event."
        ),
        request={"multipart/form-data": FigureUploadSerializer},
        responses={
            201: FigureSerializer,
            400: invalid("A field is missing or refused; the answer names the field."),
            **staff_refusals(),
            413: OpenApiResponse(ApiErrorSerializer, description="The file is too large."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, slug: str):
        plan = _plan(slug, request.user)
        body = FigureUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data["file"]
        if upload.size > figures.max_bytes():
            raise FigureTooLarge(figures.too_large_message())
        try:
            section = figures.section_of(plan, data.get("section", ""))
        except figures.FigureRefused as refused:
            return _refused("section", refused)
        try:
            figure = figures.add_figure(
                request.user,
                plan,
                name=upload.name,
                content=upload.read(),
                title=data["title"],
                section=section,
                review_number=data.get("review_number", ""),
            )
        except figures.FigureRefused as refused:
            return _refused("file", refused)
        answer = FigureSerializer(figure, context={"request": request}).data
        return Response(answer, status=status.HTTP_201_CREATED)


class PlanFigureView(StaffAPIView):
    """One figure of a plan: read, change or delete it (planners)."""

    permission_classes = [IsPlanner]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="plan_figure",
        summary="One figure of a plan (planners)",
        description="Its title, section, 审图号, file facts and download addresses.",
        responses={200: FigureSerializer, **staff_refusals()},
        tags=["planners"],
    )
    def get(self, request, slug: str, pk: int):
        return Response(
            FigureSerializer(_figure(slug, pk, request.user), context={"request": request}).data
        )

    @extend_schema(
        operation_id="plan_figure_update",
        summary="Change a figure's title, section, 审图号 or position (planners)",
        description="Changes the fields given, with one audit event holding them before and after.",
        request=FigureUpdateSerializer,
        responses={
            200: FigureSerializer,
            400: invalid("A value was refused; the answer names the field."),
            **staff_refusals(),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def patch(self, request, slug: str, pk: int):
        figure = _figure(slug, pk, request.user)
        body = FigureUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        if "section" in changes:
            try:
                changes["section"] = figures.section_of(figure.plan, changes["section"])
            except figures.FigureRefused as refused:
                return _refused("section", refused)
        try:
            updated = figures.update_figure(request.user, figure, **changes)
        except figures.FigureRefused as refused:
            return _refused("detail", refused)
        return Response(FigureSerializer(updated, context={"request": request}).data)

    @extend_schema(
        operation_id="plan_figure_delete",
        summary="Delete a figure (planners)",
        description=(
            "Removes the figure and its file, with an audit event of what it was. A figure of "
            "a published version is part of what was published: refused (409)."
        ),
        responses={
            204: None,
            **staff_refusals(),
            409: OpenApiResponse(
                ApiErrorSerializer, description="The figure belongs to a published version."
            ),
        },
        tags=["planners"],
    )
    def delete(self, request, slug: str, pk: int):
        try:
            figures.delete_figure(request.user, _figure(slug, pk, request.user))
        except figures.FigureRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)
