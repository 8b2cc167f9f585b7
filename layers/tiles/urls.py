"""Vector tiles and TileJSON of the public layers (a public contract, README):
``/tiles/{collection}/{z}/{x}/{y}.mvt`` and ``/tiles/{collection}.json``."""

from django.urls import path

from layers.tiles import views

urlpatterns = [
    path("<slug:collection_id>.json", views.tilejson, name="tilejson"),
    path(
        "<slug:collection_id>/<int:z>/<int:x>/<int:y>.mvt",
        views.vector_tile,
        name="vector-tile",
    ),
]
