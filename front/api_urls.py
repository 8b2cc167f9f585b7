"""front's JSON endpoints: the search across plans, a plan's published versions
(front/versions_api.py) and its procedure (their pages are in front/urls.py)."""

from django.urls import path

from front.procedure_api import PlanProcedureView
from front.search_views import PlaceSearchView
from front.versions_api import PlanVersionDiffView, PlanVersionsView, PlanVersionView

urlpatterns = [
    path("search/", PlaceSearchView.as_view(), name="api-search"),
    path("plans/<slug:slug>/versions/", PlanVersionsView.as_view(), name="api-plan-versions"),
    path(
        "plans/<slug:slug>/versions/<int:number>/",
        PlanVersionView.as_view(),
        name="api-plan-version",
    ),
    path(
        "plans/<slug:slug>/versions/<int:number>/diff/",
        PlanVersionDiffView.as_view(),
        name="api-plan-version-diff",
    ),
    path("plans/<slug:slug>/procedure/", PlanProcedureView.as_view(), name="api-plan-procedure"),
]
