"""Read-only JSON API of the plans (``/api/plans/`` and ``/api/plans/<slug>/``), and what
every API view of the portal shares: the language of its labels, the staff views'
authentication (refusals are described in api_errors.py)."""

from django.db.models import Prefetch
from django.utils import translation
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.views import APIView

from planportal.api_errors import NOT_FOUND
from planportal.models import Chapter, Plan, PlanFigure, Section
from planportal.serializers import PlanDetailSerializer, PlanSummarySerializer


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
    """Published plans; the detail carries the full text, chapter by chapter."""

    lookup_field = "slug"
    serializer_class = PlanSummarySerializer

    def get_queryset(self):
        plans = Plan.objects.public()
        if self.action == "retrieve":
            sections = Section.objects.select_related("chapter__plan").order_by("position")
            chapters = Chapter.objects.prefetch_related(Prefetch("sections", queryset=sections))
            plans = plans.prefetch_related(
                Prefetch("chapters", queryset=chapters),
                "indicators__section",
                Prefetch(
                    "figures",
                    queryset=PlanFigure.objects.select_related("plan", "section").order_by(
                        "position", "id"
                    ),
                ),
            )
        return plans

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSummarySerializer
