"""URL routes of the planners' revision pages (inside the language prefixes): a layer's
history, one revision with its diff and map, and publish / roll back (layers/revision_views.py).
"""

from django.urls import path

from layers import revision_views

PREFIX = "staff/layers/<slug:collection_id>/revisions/"

urlpatterns = [
    path(PREFIX, revision_views.revision_history, name="layer-revisions"),
    path(f"{PREFIX}<int:number>/", revision_views.revision_detail, name="layer-revision"),
    path(
        f"{PREFIX}<int:number>/diff.geojson",
        revision_views.revision_diff_geojson,
        name="layer-revision-diff-geojson",
    ),
    path(
        f"{PREFIX}<int:number>/publish/",
        revision_views.revision_publish,
        name="layer-revision-publish",
    ),
    path(
        f"{PREFIX}<int:number>/rollback/",
        revision_views.revision_rollback,
        name="layer-revision-rollback",
    ),
]
