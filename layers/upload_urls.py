"""URL routes of the planners' upload pages, inside the i18n patterns (Chinese unprefixed,
English under /en/). A layer's revision pages (staff/layers/<collection>/revisions/...) are
routed by revision_urls.py."""

from django.urls import path

from layers import upload_views

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
]
