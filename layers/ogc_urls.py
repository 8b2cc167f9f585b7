"""URL routes; filled in by the module that serves them."""

urlpatterns = []
