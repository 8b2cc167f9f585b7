"""URL routes of the planners' pages and API (upload_api_urls)."""

urlpatterns = []
