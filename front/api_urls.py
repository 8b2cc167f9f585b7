"""front's JSON endpoints: the search across plans and a plan's procedure (their pages are
in front/urls.py)."""

from django.urls import path

from front.procedure_api import PlanProcedureView
from front.search_views import PlaceSearchView

urlpatterns = [
    path("search/", PlaceSearchView.as_view(), name="api-search"),
    path("plans/<slug:slug>/procedure/", PlanProcedureView.as_view(), name="api-plan-procedure"),
]
