"""front's JSON endpoints: the search across plans (the page is in front/urls.py) and a
plan's published versions (front/versions_api.py)."""

from django.urls import path

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
]
