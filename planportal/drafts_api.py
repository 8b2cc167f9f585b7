"""The planners' API for a plan's draft version, under /api/plans/{slug}/drafts/ (the public
reads versions under /api/plans/{slug}/versions/; writing has its own path so that a read is
never a write's neighbour).

- ``POST …/drafts/`` (kind, label): a new draft copied from the latest published version; 409
  while a draft exists.
- ``PATCH …/drafts/{n}/`` (kind, label, change_note) and ``DELETE …/drafts/{n}/``.
- ``POST …/drafts/{n}/publish/``: publishes the draft; it never changes again.
- ``PUT …/drafts/{n}/sections/{number}/`` (title, blocks): a section's title and content.

A published version is answered with 409. Token or session authentication; the user must be
a planner on the plan. The work is planportal/drafts.py (one transaction and one audit event
per call).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from planportal.api import StaffAPIView
from planportal.api_errors import (
    UNSUPPORTED_MEDIA_TYPE,
    ApiErrorSerializer,
    invalid,
    staff_refusals,
)
from planportal.drafts import (
    create_draft,
    delete_draft,
    published_message,
    save_section,
    update_draft,
)
from planportal.models import Plan, PlanVersion, Section, VersionKind
from planportal.roles import IsPlanner, require_layers_right
from planportal.versions import VersionRefused, publish_version

KIND_HELP = (
    "consultation (征求意见稿), revised (修改稿, the default of a new draft), submission (报批稿) "
    "or approved (批准成果)"
)
BLOCKS_HELP = (
    "The section's content: {type: paragraph|heading|caption, text} or {type: list, marker "
    "(- ■ ◆ ● • ▪ *), items [text]}; no text holds a line break."
)


class VersionKindField(serializers.ChoiceField):
    """A version's kind (named VersionKindEnum in the schema: ENUM_NAME_OVERRIDES)."""

    def __init__(self, **kwargs):
        super().__init__(choices=VersionKind.choices, **kwargs)


class DraftCreateSerializer(serializers.Serializer):
    kind = VersionKindField(
        required=False,
        default=VersionKind.REVISED,
        help_text=KIND_HELP,
    )
    label = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="e.g. 修改稿（第二次公示）",
    )


class DraftEditSerializer(DraftCreateSerializer):
    kind = VersionKindField(required=False, help_text=KIND_HELP)
    label = serializers.CharField(required=False, allow_blank=True, max_length=100)
    change_note = serializers.CharField(
        required=False, allow_blank=True, help_text="the foreword of the 修改说明"
    )


class DraftSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    kind = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True, help_text="draft or published")
    title = serializers.CharField(read_only=True, help_text="e.g. 第 2 版（修改稿）")
    based_on = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text="the number of the version copied"
    )
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PlanVersion
        fields = [
            "plan",
            "number",
            "kind",
            "label",
            "title",
            "state",
            "based_on",
            "change_note",
            "created_at",
            "published_at",
            "published_by",
        ]
        read_only_fields = fields


class DraftSectionWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    blocks = serializers.ListField(child=serializers.DictField(), help_text=BLOCKS_HELP)


class DraftSectionSerializer(serializers.ModelSerializer):
    chapter = serializers.IntegerField(source="chapter.number", read_only=True)
    blocks = serializers.JSONField(help_text=BLOCKS_HELP)

    class Meta:
        model = Section
        fields = ["chapter", "number", "title", "blocks"]
        read_only_fields = fields


def _plan(slug: str, user) -> Plan:
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(user, plan)  # a planner of this plan (403 for another plan's)
    return plan


def _version(slug: str, number: int, user) -> PlanVersion:
    return get_object_or_404(PlanVersion, plan=_plan(slug, user), number=number)


def _conflict(refused: VersionRefused) -> Response:
    return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)


REFUSALS = staff_refusals("a planner", "No such plan, version or section.")
CONFLICT = OpenApiResponse(
    ApiErrorSerializer,
    description="The version is published (it never changes), or the step "
    "is refused (the answer says why).",
)


class DraftsView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="plan_draft_create",
        summary="Create the plan's next version as a draft (planners)",
        description=(
            "Copies the latest published version (text, indicators, figures) into a new draft. "
            "Refused (409) while the plan has a draft already: publish or delete it first."
        ),
        request=DraftCreateSerializer,
        responses={
            201: DraftSerializer,
            400: invalid("An unknown kind or a label too long."),
            **REFUSALS,
            409: OpenApiResponse(ApiErrorSerializer, description="The plan has a draft already."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, slug: str):
        plan = _plan(slug, request.user)
        body = DraftCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            version = create_draft(plan, request.user, **body.validated_data)
        except VersionRefused as refused:
            return _conflict(refused)
        return Response(DraftSerializer(version).data, status=status.HTTP_201_CREATED)


class DraftView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="plan_draft_edit",
        summary="Change a draft's kind, label or foreword of the 修改说明 (planners)",
        description=(
            "Only the fields given change; one audit event holds each changed field before and "
            "after. A published version is refused (409)."
        ),
        request=DraftEditSerializer,
        responses={
            200: DraftSerializer,
            400: invalid("An unknown kind or a label too long."),
            **REFUSALS,
            409: CONFLICT,
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def patch(self, request, slug: str, number: int):
        version = _version(slug, number, request.user)
        body = DraftEditSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            version = update_draft(version, request.user, **body.validated_data)
        except VersionRefused as refused:
            return _conflict(refused)
        return Response(DraftSerializer(version).data)

    @extend_schema(
        operation_id="plan_draft_delete",
        summary="Delete a draft (planners)",
        description=(
            "Deletes the draft with its text, indicators and figures. Refused (409) for a "
            "published version and for a draft a round of consultation or a comment refers to."
        ),
        request=None,
        responses={204: None, **REFUSALS, 409: CONFLICT},
        tags=["planners"],
    )
    def delete(self, request, slug: str, number: int):
        version = _version(slug, number, request.user)
        try:
            delete_draft(version, request.user)
        except VersionRefused as refused:
            return _conflict(refused)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DraftPublishView(StaffAPIView):
    permission_classes = [IsPlanner]

    @extend_schema(
        operation_id="plan_draft_publish",
        summary="Publish a draft (planners)",
        description=(
            "The version becomes public and never changes again. Publishing the approved plan "
            "(批准成果) marks the plan approved. Refused (409) for a version published already "
            "or without text."
        ),
        request=None,
        responses={200: DraftSerializer, **REFUSALS, 409: CONFLICT},
        tags=["planners"],
    )
    def post(self, request, slug: str, number: int):
        version = _version(slug, number, request.user)
        try:
            version = publish_version(version, request.user)
        except VersionRefused as refused:
            return _conflict(refused)
        return Response(DraftSerializer(version).data)


class DraftSectionView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="plan_draft_section",
        summary="Replace a section's title and content in a draft (planners)",
        description=(
            "The section keeps its number and place; its title and blocks are replaced in one "
            "transaction with an audit event holding both before and after. A published "
            "version is refused (409): its text never changes."
        ),
        request=DraftSectionWriteSerializer,
        responses={
            200: DraftSectionSerializer,
            400: invalid("No title, or blocks of a shape the plan text does not have."),
            **REFUSALS,
            409: CONFLICT,
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def put(self, request, slug: str, number: int, section: str):
        version = _version(slug, number, request.user)
        get_object_or_404(Section, chapter__version=version, number=section)
        body = DraftSectionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if version.is_published:
            return _conflict(VersionRefused(published_message(version)))
        try:
            row = save_section(version, section, request.user, **body.validated_data)
        except VersionRefused as refused:
            return Response({"blocks": [str(refused)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(DraftSectionSerializer(row).data)
