"""URL routes of the planners' pages and API (revision_api_urls)."""

urlpatterns = []
