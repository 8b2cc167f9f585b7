"""URL routes of the consultation app (staff_urls)."""

urlpatterns = []
