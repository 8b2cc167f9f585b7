"""The plan's procedure steps through the API, for the plan's planners and officials:

- ``GET /api/plans/{slug}/phases/``: every step, public or not, with its records;
- ``POST /api/plans/{slug}/phases/``: records a step, 201 with it; 400 with a message per field
  (in Chinese with ``Accept-Language: zh-Hans``) when the law or the form is not satisfied: an
  approval without authority, 文号 or date, a meeting without a place, 批后公布 shorter than 30
  days (counted as a 公示 is), an end before the start;
- ``PATCH``/``DELETE /api/plans/{slug}/phases/{id}/``: changes the fields given (checked with
  the rest of the step) or removes the step and its records.

Every change goes through planportal/phases.py with its audit event. Records are uploaded on
the staff page; the public reads the procedure at ``/api/plans/{slug}/procedure/``
(front/procedure_api.py).
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from planportal import phases
from planportal.api import StaffAPIView
from planportal.api_errors import UNSUPPORTED_MEDIA_TYPE, invalid, staff_refusals
from planportal.api_fields import StrictBooleanField, StrictCharField, StrictIntegerField
from planportal.models import PhaseKind, PhaseRecord, Plan, PlanPhase
from planportal.roles import IsPlanStaff, require_procedure_right


class PhaseRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = PhaseRecord
        fields = ["id", "title", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class PhaseSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    version = serializers.IntegerField(
        source="version.number",
        allow_null=True,
        read_only=True,
        help_text="The number of the version concerned, if any.",
    )
    records = PhaseRecordSerializer(many=True, read_only=True)

    class Meta:
        model = PlanPhase
        fields = ["id", *phases.PHASE_FIELDS, "kind_label", "records", "created_at", "updated_at"]


# A step of a plan's procedure happens in the plan's own time: a year outside these is a typing
# error (and a year before standard time zones would be written with a local mean time offset,
# e.g. +08:05:43, that no ISO 8601 reader takes back).
FIRST_YEAR, LAST_YEAR = 1980, 2100


def within_plan_years(moment) -> None:
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValidationError(
            _("Give a date between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )


class PhaseWriteSerializer(serializers.Serializer):
    """The fields of a step as sent; their checks together are planportal/phases.py's."""

    kind = serializers.ChoiceField(choices=PhaseKind.choices)
    title = StrictCharField(required=False, allow_blank=True, max_length=200)
    starts_at = serializers.DateTimeField(
        validators=[within_plan_years],
        help_text="The day of an approval, the time a meeting starts; ISO 8601 with its offset.",
    )
    ends_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        validators=[within_plan_years],
        help_text="When the step ends; 批后公布 needs one at least 30 days after its start.",
    )
    place = StrictCharField(required=False, allow_blank=True, max_length=300)
    how_to_take_part = StrictCharField(required=False, allow_blank=True, max_length=5000)
    outcome = StrictCharField(required=False, allow_blank=True, max_length=20000)
    authority = StrictCharField(required=False, allow_blank=True, max_length=200)
    document_number = StrictCharField(required=False, allow_blank=True, max_length=100)
    version = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The number of the plan's version the step concerns (e.g. the approved one).",
    )
    is_public = StrictBooleanField(required=False, help_text="Shown on the public timeline.")


def _plan(slug: str, user) -> Plan:
    plan = get_object_or_404(Plan, slug=slug)
    require_procedure_right(user, plan)  # a planner or official of this plan
    return plan


def _phase(slug: str, pk: int, user) -> PlanPhase:
    phase = get_object_or_404(
        PlanPhase.objects.select_related("plan", "version"), pk=pk, plan__slug=slug
    )
    require_procedure_right(user, phase.plan)
    return phase


def _with_version(plan: Plan, data: dict) -> dict:
    """The body's version number as the plan's version row (an unknown number is refused)."""
    if data.get("version") is None:
        return data
    version = plan.versions.filter(number=data["version"]).first()
    if version is None:
        raise ValidationError({"version": phases.unknown_version_message()})
    return {**data, "version": version}


def _refused(error: ValidationError) -> Response:
    return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)


def _answer(phase: PlanPhase, status_code=status.HTTP_200_OK) -> Response:
    fresh = PlanPhase.objects.select_related("version").prefetch_related("records").get(pk=phase.pk)
    return Response(PhaseSerializer(fresh).data, status=status_code)


REFUSALS = staff_refusals("a planner or official of the plan", "No such plan or step.")


class PlanPhasesView(StaffAPIView):
    """A plan's procedure steps: list them or record one (planners and officials)."""

    permission_classes = [IsPlanStaff]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="plan_phases",
        summary="A plan's procedure steps (planners and officials)",
        description="Every step, public or not, in date order, with its records.",
        responses={200: PhaseSerializer(many=True), **REFUSALS},
        tags=["procedure"],
    )
    def get(self, request, slug: str):
        plan = _plan(slug, request.user)
        steps = plan.phases.select_related("version").prefetch_related("records")
        return Response(PhaseSerializer(steps.order_by("starts_at", "id"), many=True).data)

    @extend_schema(
        operation_id="plan_phase_add",
        summary="Record a procedure step (planners and officials)",
        description=(
            "A hearing or review meeting (with its place), the congress's review, the "
            "submission, the approval (authority, 文号, date) or the publication of the "
            "approved plan (at least 30 days, counted as a 公示 is). Writes an audit event."
        ),
        request=PhaseWriteSerializer,
        responses={
            201: PhaseSerializer,
            400: invalid("A field is missing or refused; the answer names the field."),
            **REFUSALS,
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["procedure"],
    )
    def post(self, request, slug: str):
        plan = _plan(slug, request.user)
        body = PhaseWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {"is_public": True, **body.validated_data}
        try:
            phase = phases.add_phase(request.user, plan, **_with_version(plan, fields))
        except ValidationError as error:
            return _refused(error)
        return _answer(phase, status.HTTP_201_CREATED)


class PlanPhaseView(StaffAPIView):
    """One procedure step: read, change or delete it (planners and officials)."""

    permission_classes = [IsPlanStaff]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="plan_phase",
        summary="One procedure step (planners and officials)",
        responses={200: PhaseSerializer, **REFUSALS},
        tags=["procedure"],
    )
    def get(self, request, slug: str, pk: int):
        return _answer(_phase(slug, pk, request.user))

    @extend_schema(
        operation_id="plan_phase_update",
        summary="Change a procedure step (planners and officials)",
        description=(
            "Changes the fields given; the step is checked as a whole again. One audit event "
            "holds the changed fields before and after."
        ),
        request=PhaseWriteSerializer(partial=True),
        responses={
            200: PhaseSerializer,
            400: invalid("A value was refused; the answer names the field."),
            **REFUSALS,
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["procedure"],
    )
    def patch(self, request, slug: str, pk: int):
        phase = _phase(slug, pk, request.user)
        body = PhaseWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            changes = _with_version(phase.plan, dict(body.validated_data))
            updated = phases.update_phase(request.user, phase, **changes)
        except ValidationError as error:
            return _refused(error)
        return _answer(updated)

    @extend_schema(
        operation_id="plan_phase_delete",
        summary="Delete a procedure step (planners and officials)",
        description="Removes the step and its records, with an audit event of what they were.",
        responses={204: None, **REFUSALS},
        tags=["procedure"],
    )
    def delete(self, request, slug: str, pk: int):
        phases.delete_phase(request.user, _phase(slug, pk, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
