"""OGC API - Features at /ogc/ (views in layers/ogc/views.py). A trailing slash is tolerated because
clients join paths differently."""

from django.urls import path, re_path

from layers.ogc import views

urlpatterns = [
    path("", views.landing_page, name="ogc-landing"),
    re_path(r"^conformance/?$", views.conformance, name="ogc-conformance"),
    re_path(r"^api/?$", views.api_definition, name="ogc-api"),
    re_path(r"^collections/?$", views.collections, name="ogc-collections"),
    re_path(r"^collections/(?P<collection_id>[^/]+)/?$", views.collection, name="ogc-collection"),
    re_path(r"^collections/(?P<collection_id>[^/]+)/items/?$", views.items, name="ogc-items"),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/queryables/?$",
        views.queryables,
        name="ogc-queryables",
    ),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/items/(?P<feature_id>[^/]+)/?$",
        views.item,
        name="ogc-item",
    ),
]
