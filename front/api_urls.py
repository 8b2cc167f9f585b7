"""front's one JSON endpoint: the search across plans (the page is in front/urls.py)."""

from django.urls import path

from front.search_views import PlaceSearchView

urlpatterns = [path("search/", PlaceSearchView.as_view(), name="api-search")]
