"""URL routes of the planners' pages and API (revision_urls)."""

urlpatterns = []
