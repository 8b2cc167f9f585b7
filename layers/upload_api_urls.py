"""URL routes of the planners' upload API, under /api/ (outside the language prefixes).

``/api/layers/{collection}/revisions/`` is shared: POST (an upload) is answered here, every
other method (GET: the list of revisions) by the route of the same path in
revision_api_urls.py. planportal/urls.py includes this module first, and Django does not fall
through to a later route when a view refuses a method, so this route hands those requests on.
"""

from django.http import HttpResponseNotAllowed
from django.urls import URLResolver, path
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.views.decorators.csrf import csrf_exempt

from layers import revision_api_urls
from layers.upload_api import UploadJobCancelView, UploadJobView, UploadRevisionView

upload_revision = UploadRevisionView.as_view()
_revision_routes = URLResolver(RoutePattern(""), revision_api_urls)


@csrf_exempt  # each view enforces CSRF itself (DRF: for session authentication)
def layer_revisions(request, collection_id: str):
    if request.method == "POST":
        return upload_revision(request, collection_id=collection_id)
    try:
        match = _revision_routes.resolve(f"layers/{collection_id}/revisions/")
    except Resolver404:
        return HttpResponseNotAllowed(["POST"])
    return match.func(request, *match.args, **match.kwargs)


# drf-spectacular documents the POST of this route from the view class.
layer_revisions.cls = UploadRevisionView
layer_revisions.initkwargs = {}

urlpatterns = [
    path(
        "layers/<slug:collection_id>/revisions/",
        layer_revisions,
        name="api-layer-revision-upload",
    ),
    path("upload-jobs/<int:pk>/", UploadJobView.as_view(), name="api-upload-job"),
    path(
        "upload-jobs/<int:pk>/cancel/", UploadJobCancelView.as_view(), name="api-upload-job-cancel"
    ),
]
