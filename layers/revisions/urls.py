"""The planners' pages under /staff/layers/ (inside the language prefixes: Chinese unprefixed,
English under /en/): the layers of each plan, uploads and their jobs, a layer's settings and
its withdrawal from the public, its revision history, one revision with its diff and map, and
publish / roll back."""

from django.urls import path

from layers.revisions import history_views, settings_views, upload_views

REVISIONS = "staff/layers/<slug:collection_id>/revisions/"

urlpatterns = [
    path("staff/layers/", upload_views.layer_list, name="staff-layers"),
    path("staff/layers/new/", upload_views.upload_layer, name="staff-upload-layer"),
    path("staff/layers/uploads/<int:pk>/", upload_views.upload_job, name="staff-upload-job"),
    path(
        "staff/layers/uploads/<int:pk>/cancel/",
        upload_views.cancel_upload,
        name="staff-upload-cancel",
    ),
    path(
        "staff/layers/<slug:collection_id>/upload/",
        upload_views.upload_revision,
        name="staff-upload-revision",
    ),
    path(
        "staff/layers/<slug:collection_id>/settings/",
        settings_views.layer_settings,
        name="layer-settings",
    ),
    path(
        "staff/layers/<slug:collection_id>/unpublish/",
        settings_views.layer_unpublish,
        name="layer-unpublish",
    ),
    path(REVISIONS, history_views.revision_history, name="layer-revisions"),
    path(f"{REVISIONS}<int:number>/", history_views.revision_detail, name="layer-revision"),
    path(
        f"{REVISIONS}<int:number>/diff.geojson",
        history_views.revision_diff_geojson,
        name="layer-revision-diff-geojson",
    ),
    path(
        f"{REVISIONS}<int:number>/publish/",
        history_views.revision_publish,
        name="layer-revision-publish",
    ),
    path(
        f"{REVISIONS}<int:number>/rollback/",
        history_views.revision_rollback,
        name="layer-revision-rollback",
    ),
]
