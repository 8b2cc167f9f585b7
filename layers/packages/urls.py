"""The planners' pages of 汇交 databases (layers/packages/views.py)."""

from django.urls import path

from layers.packages import views

urlpatterns = [
    path("staff/layers/packages/new/", views.package_upload, name="staff-package-upload"),
    path("staff/layers/packages/<int:pk>/", views.package_detail, name="staff-package"),
    path(
        "staff/layers/packages/<int:pk>/mapping/",
        views.package_mapping,
        name="staff-package-mapping",
    ),
    path(
        "staff/layers/packages/<int:pk>/publish/",
        views.package_publish,
        name="staff-package-publish",
    ),
]
