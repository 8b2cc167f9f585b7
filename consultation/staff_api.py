"""The staff API: officials (or their tools) answer a comment, say who gave it and correct the
villages it is about.

``POST /api/comments/{id}/answer/`` with ``result`` (adopted / partly / rejected / explained),
``reason`` and ``publish``; ``POST /api/comments/{id}/submitter/`` with ``submitter_kind``
(person / organisation / department / expert) and ``organisation``;
``POST /api/comments/{id}/villages/`` with ``villages`` (names of the plan's villages).
Authentication by token (``Authorization: Token …``, DRF authtoken) or by the staff session
(then with the CSRF token, as DRF's SessionAuthentication requires); only the group
``officials`` and superusers may call them. The steps are consultation.moderation.answer,
set_submitter and set_villages, so they write their audit events like the staff page does.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from consultation import moderation
from consultation.models import Comment, CommentState, Result, SubmitterKind
from consultation.staff_forms import ANSWER_MAX, village_choices
from planportal.api import StaffAPIView
from planportal.api_errors import UNSUPPORTED_MEDIA_TYPE, invalid, staff_refusals
from planportal.api_fields import (
    NOT_BLANK_PATTERN,
    FlatListField,
    IdListField,
    StrictBooleanField,
    StrictCharField,
)
from planportal.models import VersionChange
from planportal.roles import IsOfficial, require_moderation_right

NO_NUL_PATTERN = r"^[^\x00]*$"


class AnswerSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=Result.choices,
        help_text=(
            "adopted (采纳), partly (部分采纳), rejected (不予采纳), "
            "explained (说明解释／不属于本规划事项)"
        ),
    )
    reason = StrictCharField(max_length=ANSWER_MAX, help_text="Why, for the report.")
    publish = StrictBooleanField(
        default=False,
        help_text="Publish the comment and this answer; false keeps the answer as a draft.",
    )
    changes = IdListField(
        max_length=200,
        required=False,
        help_text=(
            "Ids of the changes (修改说明 entries) of later versions of the plan this answer "
            "led to; adopted or partly adopted answers only. Replaces the links the answer had; "
            "omitted, the links stay as they are (an answer that no longer adopts loses them)."
        ),
    )

    def validate_changes(self, ids: list[int]) -> list[VersionChange]:
        found = {
            c.pk: c for c in VersionChange.objects.filter(pk__in=ids).select_related("version")
        }
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError(
                _("No such change: %(ids)s") % {"ids": ", ".join(map(str, missing))}
            )
        return [found[pk] for pk in dict.fromkeys(ids)]


class LinkedChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    version = serializers.IntegerField(source="version.number")
    key = serializers.CharField()
    subject = serializers.CharField()


class AnsweredReplySerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=Result.choices)
    result_label = serializers.CharField(source="get_result_display")
    reason = serializers.CharField()
    is_published = serializers.BooleanField()
    answered_by = serializers.CharField(source="answered_by.get_username")
    answered_at = serializers.DateTimeField()
    changes = serializers.SerializerMethodField()

    @extend_schema_field(LinkedChangeSerializer(many=True))
    def get_changes(self, reply) -> list:
        changes = reply.changes.select_related("version").order_by("version__number", "position")
        return LinkedChangeSerializer(changes, many=True).data


class AnsweredCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    receipt_code = serializers.CharField()
    state = serializers.ChoiceField(choices=CommentState.choices)
    reply = AnsweredReplySerializer()


class AnswerView(StaffAPIView):
    permission_classes = [IsOfficial]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="comment_answer",
        summary="Answer a comment (officials)",
        description=(
            "Records how an opinion was handled (采纳 / 部分采纳 / 不予采纳 / 说明解释) and "
            "why; with `publish` the comment and the answer become public; `changes` links it "
            "to the changes of later versions it led to. Token or session "
            "authentication; the user must be an official of the comment's plan (403 "
            "otherwise). Writes an audit event."
        ),
        request=AnswerSerializer,
        responses={
            200: AnsweredCommentSerializer,
            400: invalid(
                "A field is missing or invalid, or the comment is hidden and cannot be published."
            ),
            **staff_refusals("an official", "No such comment."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["staff"],
    )
    def post(self, request, pk: int):
        comment = get_object_or_404(Comment.objects.select_related("consultation__plan"), pk=pk)
        require_moderation_right(request.user, comment.consultation.plan)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            reply = moderation.answer(
                request.user,
                comment,
                data["result"],
                data["reason"],
                publish=data["publish"],
                changes=data.get("changes"),
            )
        except moderation.ModerationError as refusal:
            return Response({"detail": str(refusal)}, status=400)
        return Response(
            AnsweredCommentSerializer(
                {
                    "id": comment.pk,
                    "receipt_code": comment.receipt_code,
                    "state": comment.state,
                    "reply": reply,
                }
            ).data
        )


class SubmitterSerializer(serializers.Serializer):
    submitter_kind = serializers.ChoiceField(
        choices=SubmitterKind.choices,
        help_text="person (个人), organisation (单位), department (部门), expert (专家)",
    )
    organisation = StrictCharField(
        max_length=200,
        allow_blank=True,
        default="",
        help_text="The organisation, department or expert's institution; required unless person.",
    )


# The request as the schema describes it: the rule that anyone but a person names their
# organisation is part of the shape, so clients (and the conformance test) can see it.
_KINDS_WITH_ORGANISATION = [k for k in SubmitterKind.values if k != SubmitterKind.PERSON]
SUBMITTER_REQUEST_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "title": "An individual",
            "properties": {
                "submitter_kind": {"type": "string", "enum": [SubmitterKind.PERSON.value]},
                "organisation": {
                    "type": "string",
                    "maxLength": 200,
                    "pattern": NO_NUL_PATTERN,
                    "description": "Ignored: a person is never named here.",
                },
            },
            "required": ["submitter_kind"],
        },
        {
            "type": "object",
            "title": "An organisation, department or expert",
            "properties": {
                "submitter_kind": {"type": "string", "enum": _KINDS_WITH_ORGANISATION},
                "organisation": {
                    "type": "string",
                    "maxLength": 200,
                    "pattern": NOT_BLANK_PATTERN,
                    "description": "The organisation, department or expert's institution.",
                },
            },
            "required": ["submitter_kind", "organisation"],
        },
    ]
}


class SubmittedCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    receipt_code = serializers.CharField()
    submitter_kind = serializers.ChoiceField(choices=SubmitterKind.choices)
    organisation = serializers.CharField()


class RequiredBodySchema(AutoSchema):
    """drf-spectacular marks a request body given as a plain schema (the oneOf above) as
    optional; this operation refuses an empty body, so the description says it is required."""

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body:
            body["required"] = True
        return body


class SubmitterView(StaffAPIView):
    permission_classes = [IsOfficial]
    parser_classes = [JSONParser]
    schema = RequiredBodySchema()

    @extend_schema(
        operation_id="comment_submitter",
        summary="Say who gave a comment (officials)",
        description=(
            "Sets who gave the opinion (个人 / 单位 / 部门 / 专家) and the organisation the "
            "report's 意见人 column names. A person is never named here: their name stays "
            "personal data. Token or session authentication; officials only. Writes an audit "
            "event."
        ),
        request={"application/json": SUBMITTER_REQUEST_SCHEMA},
        responses={
            200: SubmittedCommentSerializer,
            400: invalid("A field is missing or invalid, or the organisation is not named."),
            **staff_refusals("an official", "No such comment."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["staff"],
    )
    def post(self, request, pk: int):
        comment = get_object_or_404(Comment.objects.select_related("consultation__plan"), pk=pk)
        require_moderation_right(request.user, comment.consultation.plan)
        serializer = SubmitterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            moderation.set_submitter(
                request.user, comment, data["submitter_kind"], data["organisation"]
            )
        except moderation.ModerationError as refusal:
            return Response({"organisation": [str(refusal)]}, status=400)
        return Response(SubmittedCommentSerializer(comment).data)


class VillagesSerializer(serializers.Serializer):
    villages = FlatListField(
        child=StrictCharField(max_length=100),
        max_length=500,
        allow_empty=True,
        help_text=(
            "The names of the plan's villages the opinion is about (as the plan's village "
            "layer names them); an empty list for none. Replaces the automatic tag."
        ),
    )

    def validate_villages(self, names: list[str]) -> list[str]:
        known = set(village_choices(self.context["comment"]))
        unknown = [name for name in dict.fromkeys(names) if name not in known]
        if unknown:
            raise serializers.ValidationError(
                _("Not a village of this plan: %(names)s") % {"names": "、".join(unknown)}
            )
        return names


class VillagesCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    receipt_code = serializers.CharField()
    villages = serializers.ListField(child=serializers.CharField())


class VillagesView(StaffAPIView):
    permission_classes = [IsOfficial]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="comment_villages",
        summary="Correct the villages of a comment (officials)",
        description=(
            "Replaces the villages the opinion is tagged with (set automatically from the place "
            "it points at), which the statistics and the report count by. Names must be "
            "villages of the comment's plan. Token or session authentication; officials of "
            "the plan only. Writes an audit event with the names before and after."
        ),
        request=VillagesSerializer,
        responses={
            200: VillagesCommentSerializer,
            400: invalid("A name is not a village of the plan, or the list is missing."),
            **staff_refusals("an official", "No such comment."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["staff"],
    )
    def post(self, request, pk: int):
        comment = get_object_or_404(Comment.objects.select_related("consultation__plan"), pk=pk)
        require_moderation_right(request.user, comment.consultation.plan)
        serializer = VillagesSerializer(data=request.data, context={"comment": comment})
        serializer.is_valid(raise_exception=True)
        moderation.set_villages(request.user, comment, serializer.validated_data["villages"])
        return Response(VillagesCommentSerializer(comment).data)
