"""JSON API of the plans (``/api/plans/`` and ``/api/plans/<slug>/``: public reads; planners
create a plan and publish or unpublish it), and what every API view of the portal shares: the
language of its labels, the staff views' authentication (refusals are described in
api_errors.py)."""

from django.core.exceptions import PermissionDenied
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from planportal.api_errors import (
    FIELD_ERRORS_SCHEMA,
    NOT_FOUND,
    UNSUPPORTED_MEDIA_TYPE,
    invalid,
    staff_refusals,
)
from planportal.models import Plan
from planportal.plans import PLAN_FIELDS, PublishRefused, create_plan, publish_plan, unpublish_plan
from planportal.roles import IsPlanManager, may_create_plan_in, require_layers_right
from planportal.serializers import (
    PlanCreateSerializer,
    PlanDetailSerializer,
    PlanStaffSerializer,
    PlanSummarySerializer,
)
from planportal.versions import with_text

PLANNER_ACTIONS = ("create", "publish", "unpublish")


class AcceptLanguageMixin:
    """API paths carry no language prefix, so labels follow the client's Accept-Language
    (Simplified Chinese when it names no language the portal speaks)."""

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)


class StaffAPIView(AcceptLanguageMixin, APIView):
    """An API view staff act through: with a token (``Authorization: Token …``, for scripts)
    or the staff session (then with the CSRF token). Its ``permission_classes`` come from
    planportal/roles.py."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]


@extend_schema_view(retrieve=extend_schema(responses={200: PlanDetailSerializer, 404: NOT_FOUND}))
class PlanViewSet(AcceptLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """Published plans; the detail carries the full text, chapter by chapter. Planners create
    plans and publish or unpublish them (planportal/plans.py)."""

    lookup_field = "slug"
    serializer_class = PlanSummarySerializer
    authentication_classes = [TokenAuthentication, SessionAuthentication]

    def get_permissions(self):
        if self.action in PLANNER_ACTIONS:
            return [IsPlanManager()]
        return super().get_permissions()

    def get_parsers(self):
        # The planners' operations read JSON only (as the other staff endpoints).
        return [JSONParser()]

    def get_queryset(self):
        if self.action in PLANNER_ACTIONS:
            return Plan.objects.all()
        return Plan.objects.public()

    def get_object(self):
        plan = super().get_object()
        return with_text(plan) if self.action == "retrieve" else plan

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSummarySerializer

    @extend_schema(
        operation_id="plan_create",
        summary="Create a plan (planners)",
        description=(
            "A new draft plan, not shown to the public until it has its text and is "
            "published. Its region code must be a known region or lie directly under one "
            "(a township under a known county); `region_name` is needed only in the second "
            "case. Writes an audit event."
        ),
        request=PlanCreateSerializer,
        responses={
            201: PlanStaffSerializer,
            400: invalid("Invalid data: the messages say which field and which rule."),
            **staff_refusals("a planner", "No such plan."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def create(self, request):
        body = PlanCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {
            name: body.validated_data[name] for name in PLAN_FIELDS if name in body.validated_data
        }
        if not may_create_plan_in(request.user, fields["region_code"]):
            raise PermissionDenied  # a planner of another region
        plan = create_plan(request.user, **fields)
        data = PlanStaffSerializer(plan, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="plan_publish",
        summary="Show a plan on the portal (planners)",
        description=(
            "Refused (400) while the plan has no name or no text (no chapter). "
            "Writes an audit event."
        ),
        request=None,
        responses={
            200: PlanStaffSerializer,
            400: OpenApiResponse(FIELD_ERRORS_SCHEMA, description="What the plan still lacks."),
            **staff_refusals("a planner", "No such plan."),
        },
        tags=["planners"],
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, slug: str):
        try:
            plan = self.get_object()
            require_layers_right(request.user, plan)
            plan = publish_plan(request.user, plan)
        except PublishRefused as refused:
            return Response(
                {"detail": " ".join(refused.messages)}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(PlanStaffSerializer(plan, context={"request": request}).data)

    @extend_schema(
        operation_id="plan_unpublish",
        summary="Take a plan off the portal (planners)",
        description="Its text, layers and consultations are kept. Writes an audit event.",
        request=None,
        responses={200: PlanStaffSerializer, **staff_refusals("a planner", "No such plan.")},
        tags=["planners"],
    )
    @action(detail=True, methods=["post"])
    def unpublish(self, request, slug: str):
        plan = self.get_object()
        require_layers_right(request.user, plan)
        plan = unpublish_plan(request.user, plan)
        return Response(PlanStaffSerializer(plan, context={"request": request}).data)
