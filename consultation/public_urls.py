"""URL routes of the consultation app (public_urls)."""

urlpatterns = []
