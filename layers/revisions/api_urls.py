"""The upload and revision API under /api/, outside the language prefixes
(layers/revisions/api.py)."""

from django.urls import path

from layers.revisions import api, settings_api

REVISIONS = "layers/<slug:collection_id>/revisions/"

urlpatterns = [
    path(
        "layers/<slug:collection_id>/",
        settings_api.LayerSettingsView.as_view(),
        name="api-layer-settings",
    ),
    path(
        "layers/<slug:collection_id>/unpublish/",
        settings_api.LayerUnpublishView.as_view(),
        name="api-layer-unpublish",
    ),
    path(REVISIONS, api.LayerRevisionsView.as_view(), name="api-layer-revisions"),
    path(
        f"{REVISIONS}<int:number>/diff/",
        api.RevisionDiffView.as_view(),
        name="api-layer-revision-diff",
    ),
    path(
        f"{REVISIONS}<int:number>/publish/",
        api.PublishView.as_view(),
        name="api-layer-revision-publish",
    ),
    path("upload-jobs/<int:pk>/", api.UploadJobView.as_view(), name="api-upload-job"),
    path(
        "upload-jobs/<int:pk>/cancel/",
        api.UploadJobCancelView.as_view(),
        name="api-upload-job-cancel",
    ),
]
