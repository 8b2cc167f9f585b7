"""URL routes of the consultation app (staff_api_urls)."""

urlpatterns = []
