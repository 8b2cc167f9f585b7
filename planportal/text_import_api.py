"""The planners' text import API, under /api/plans/{slug}/text-imports/.

- ``POST …/text-imports/`` (multipart ``file``): reads the document (DOCX, PDF with a text
  layer, text or Markdown) and keeps it with what was found as a draft; 201 with the preview
  (chapters, sections, blocks and the lines treated as layout). A refused file: 400 with the
  reason.
- ``GET …/text-imports/{id}/``: the preview again.
- ``POST …/text-imports/{id}/edit/``: one correction (promote, demote, merge, split) of the
  draft's structure; 200 with the corrected preview.
- ``POST …/text-imports/{id}/save/``: writes the draft as the text of the plan's working
  draft version in one transaction (a new version when the latest is published: a published
  version, and what was commented on it, never changes); 409 when the import is not a draft.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from planportal.api import StaffAPIView
from planportal.api_errors import (
    UNSUPPORTED_MEDIA_TYPE,
    ApiErrorSerializer,
    invalid,
    staff_refusals,
)
from planportal.importing import ImportRefused
from planportal.importing.editing import ACTIONS, apply_edit
from planportal.importing.saving import create_import, save_import
from planportal.models import Plan, TextImport, TextImportStatus
from planportal.roles import IsPlanner, require_layers_right
from planportal.versions import sections_of


class TextImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="DOCX, PDF with a text layer, .txt or .md")


class TextImportEditSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=ACTIONS,
        help_text="promote: paragraph → sub-heading, sub-heading → new section; demote: "
        "sub-heading → paragraph, or (without block) the section into the previous one; "
        "merge: the section into the previous one; split: a new section from this block on.",
    )
    chapter = serializers.IntegerField(min_value=0, help_text="0-based chapter position")
    section = serializers.IntegerField(min_value=0, help_text="0-based section position")
    block = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text="0-based block position"
    )


class TextImportSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    # Plain strings in the schema: a choice set here would collide with the other "status"
    # enums of the API (drf-spectacular names enums by field name).
    status = serializers.CharField(read_only=True, help_text="draft, saved or discarded")
    format = serializers.CharField(read_only=True, help_text="docx, pdf or text")
    structure = serializers.JSONField(
        help_text="cover (lines), preface, chapters [{number, title, intro, sections [{number, "
        "title, blocks}]}], closing, and layout [{text, kind, page}]: the lines kept out of the "
        "text (封面, 目录, 本章目录, 章序号, 续页标题, 页眉, 页脚, 页码). Blocks are "
        "{type: paragraph|heading|caption, text} or {type: list, marker, items}."
    )

    class Meta:
        model = TextImport
        fields = [
            "id",
            "plan",
            "original_name",
            "format",
            "sha256",
            "status",
            "uploaded_at",
            "saved_at",
            "structure",
        ]
        read_only_fields = fields


class TextImportSavedSerializer(serializers.Serializer):
    plan = serializers.CharField(help_text="the plan's slug")
    version = serializers.IntegerField(help_text="the number of the version the text went into")
    chapters = serializers.IntegerField()
    sections = serializers.IntegerField()


def _plan(slug: str, user) -> Plan:
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(user, plan)  # a planner of this plan (403 for another plan's)
    return plan


def _draft(plan: Plan, pk: int) -> TextImport:
    return get_object_or_404(TextImport, plan=plan, pk=pk)


REFUSALS = staff_refusals("a planner", "No such plan or import.")


class TextImportsView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="plan_text_import_upload",
        summary="Upload a plan document and preview its structure (planners)",
        description=(
            "Reads the document and keeps it, with the chapters, sections and blocks found "
            "and the lines treated as layout, as a draft import of the plan. Nothing of the "
            "plan changes until the import is saved. Token or session authentication; the "
            "user must be in the group `planners`."
        ),
        request={"multipart/form-data": TextImportUploadSerializer},
        responses={
            201: TextImportSerializer,
            400: invalid("No file, or the file was refused (the answer says why)."),
            **REFUSALS,
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, slug: str):
        plan = _plan(slug, request.user)
        upload = TextImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            text_import = create_import(plan, file.read(), file.name, request.user)
        except ImportRefused as refused:
            return Response({"file": [str(refused)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(TextImportSerializer(text_import).data, status=status.HTTP_201_CREATED)


class TextImportView(StaffAPIView):
    permission_classes = [IsPlanner]

    @extend_schema(
        operation_id="plan_text_import",
        summary="The preview of a text import (planners)",
        responses={200: TextImportSerializer, **REFUSALS},
        tags=["planners"],
    )
    def get(self, request, slug: str, pk: int):
        return Response(TextImportSerializer(_draft(_plan(slug, request.user), pk)).data)


class TextImportEditView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="plan_text_import_edit",
        summary="Correct the structure of a draft text import (planners)",
        description=(
            "One step: promote or demote a heading, merge a section into the previous one, or "
            "split a section at a block. No word is dropped or added."
        ),
        request=TextImportEditSerializer,
        responses={
            200: TextImportSerializer,
            400: invalid("The step is not possible here (the answer says why)."),
            **REFUSALS,
            409: OpenApiResponse(ApiErrorSerializer, description="The import is not a draft."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, slug: str, pk: int):
        text_import = _draft(_plan(slug, request.user), pk)
        edit = TextImportEditSerializer(data=request.data)
        edit.is_valid(raise_exception=True)
        if text_import.status != TextImportStatus.DRAFT:
            return Response({"detail": "这份导入已保存或已放弃。"}, status=status.HTTP_409_CONFLICT)
        step = edit.validated_data
        try:
            text_import.structure = apply_edit(
                text_import.structure,
                step["action"],
                step["chapter"],
                step["section"],
                step.get("block"),
            )
        except ImportRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        text_import.save(update_fields=["structure"])
        return Response(TextImportSerializer(text_import).data)


class TextImportSaveView(StaffAPIView):
    permission_classes = [IsPlanner]

    @extend_schema(
        operation_id="plan_text_import_save",
        summary="Save a draft text import as the plan's text (planners)",
        description=(
            "Writes cover, preface, chapters, sections and closing in one transaction and "
            "records it in the audit trail, in the plan's working draft version: a new version "
            "copied from the latest when that one is published (a published version never "
            "changes). Refused (409) when the import was saved or abandoned already."
        ),
        request=None,
        responses={
            200: TextImportSavedSerializer,
            **REFUSALS,
            409: OpenApiResponse(
                ApiErrorSerializer,
                description="The import is not a draft (saved or abandoned already).",
            ),
        },
        tags=["planners"],
    )
    def post(self, request, slug: str, pk: int):
        text_import = _draft(_plan(slug, request.user), pk)
        try:
            plan = save_import(text_import, request.user)
        except ImportRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        version = text_import.version
        return Response(
            {
                "plan": plan.slug,
                "version": version.number,
                "chapters": version.chapters.count(),
                "sections": sections_of(version).count(),
            }
        )
