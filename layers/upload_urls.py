"""URL routes of the planners' pages and API (upload_urls)."""

urlpatterns = []
