"""The 汇交 database API under /api/ (layers/packages/api.py)."""

from django.urls import path

from layers.packages import api

urlpatterns = [
    path("plans/<slug:slug>/packages/", api.PackageUploadView.as_view(), name="api-package-upload"),
    path("packages/<int:pk>/", api.PackageView.as_view(), name="api-package"),
    path(
        "packages/<int:pk>/publish/", api.PackagePublishView.as_view(), name="api-package-publish"
    ),
]
