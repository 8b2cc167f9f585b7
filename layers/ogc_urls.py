"""OGC API - Features at /ogc/ (see layers/ogc.py). A trailing slash is tolerated because
clients join paths differently."""

from django.urls import path, re_path

from layers import ogc

urlpatterns = [
    path("", ogc.landing_page, name="ogc-landing"),
    re_path(r"^conformance/?$", ogc.conformance, name="ogc-conformance"),
    re_path(r"^api/?$", ogc.api_definition, name="ogc-api"),
    re_path(r"^collections/?$", ogc.collections, name="ogc-collections"),
    re_path(r"^collections/(?P<collection_id>[^/]+)/?$", ogc.collection, name="ogc-collection"),
    re_path(r"^collections/(?P<collection_id>[^/]+)/items/?$", ogc.items, name="ogc-items"),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/items/(?P<feature_id>[^/]+)/?$",
        ogc.item,
        name="ogc-item",
    ),
]
