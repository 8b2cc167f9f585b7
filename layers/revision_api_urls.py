"""URL routes of the revisions API (under /api/, outside the language prefixes): history,
diff and publish of a layer's revisions (layers/revision_api.py)."""

from django.urls import path

from layers.revision_api import PublishView, RevisionDiffView, RevisionListView

urlpatterns = [
    path(
        "layers/<slug:collection_id>/revisions/",
        RevisionListView.as_view(),
        name="api-layer-revisions",
    ),
    path(
        "layers/<slug:collection_id>/revisions/<int:number>/diff/",
        RevisionDiffView.as_view(),
        name="api-layer-revision-diff",
    ),
    path(
        "layers/<slug:collection_id>/revisions/<int:number>/publish/",
        PublishView.as_view(),
        name="api-layer-revision-publish",
    ),
]
