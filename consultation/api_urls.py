"""URL routes of the consultation app (api_urls)."""

urlpatterns = []
