"""``GET /api/plans/{slug}/procedure/``: the plan's procedure for everyone, as the timeline
page shows it (front/procedure.py): each round of 公示 with its period and the version it
shows, each public step with its date, place, how to take part, outcome, authority and 文号
and its records' download addresses, and the next entry."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from front.procedure import Entry, timeline
from planportal.api import AcceptLanguageMixin
from planportal.api_errors import NOT_FOUND
from planportal.models import Plan


class RecordSerializer(serializers.Serializer):
    title = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, item) -> str:
        slug = self.context["plan"].slug
        path = reverse("plan-procedure-record", args=[slug, item.pk])
        return self.context["request"].build_absolute_uri(path)


class EntrySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='"round" for a 公示 round, else the kind of step.')
    label = serializers.CharField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    when = serializers.CharField(help_text="The date or period as the page shows it.")
    state = serializers.ChoiceField(choices=["past", "current", "upcoming"])
    is_next = serializers.BooleanField()
    version = serializers.SerializerMethodField(
        help_text="The number of the published version concerned (a draft is not named)."
    )
    version_title = serializers.SerializerMethodField()
    days = serializers.SerializerMethodField(help_text="A round's counted days.")
    place = serializers.SerializerMethodField()
    how_to_take_part = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    authority = serializers.SerializerMethodField()
    document_number = serializers.SerializerMethodField()
    records = serializers.SerializerMethodField()

    def get_version(self, entry: Entry) -> int | None:
        return entry.version.number if entry.version else None

    def get_version_title(self, entry: Entry) -> str:
        return entry.version.title if entry.version else ""

    def get_days(self, entry: Entry) -> int | None:
        return entry.consultation.period_days if entry.consultation else None

    def _step(self, entry: Entry, name: str) -> str:
        return getattr(entry.phase, name) if entry.phase else ""

    def get_place(self, entry: Entry) -> str:
        return self._step(entry, "place")

    def get_how_to_take_part(self, entry: Entry) -> str:
        return self._step(entry, "how_to_take_part")

    def get_outcome(self, entry: Entry) -> str:
        return self._step(entry, "outcome")

    def get_authority(self, entry: Entry) -> str:
        return self._step(entry, "authority")

    def get_document_number(self, entry: Entry) -> str:
        return self._step(entry, "document_number")

    @extend_schema_field(RecordSerializer(many=True))
    def get_records(self, entry: Entry) -> list:
        return RecordSerializer(entry.records, many=True, context=self.context).data


class ProcedureSerializer(serializers.Serializer):
    plan = serializers.CharField(help_text="The plan's slug.")
    entries = EntrySerializer(many=True)


class PlanProcedureView(AcceptLanguageMixin, APIView):
    """A published plan's rounds and public steps in date order."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="plan_procedure",
        summary="A plan's procedure: rounds of 公示 and public steps",
        description=(
            "Each round of 公示 (its period counted as the law counts it, the version it "
            "shows) and each public step (hearing, review meeting, congress, submission, "
            "approval with authority and 文号, publication of the approved plan) in date "
            "order; the first that has not started is marked `is_next`. Steps not shown "
            "publicly and versions not yet published are left out."
        ),
        responses={200: ProcedureSerializer, 404: NOT_FOUND},
        tags=["plans"],
    )
    def get(self, request, slug: str):
        plan = get_object_or_404(Plan.objects.public(), slug=slug)
        context = {"request": request, "plan": plan}
        body = {"plan": plan.slug, "entries": timeline(plan)}
        return Response(ProcedureSerializer(body, context=context).data)
