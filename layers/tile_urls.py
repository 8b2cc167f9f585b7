"""Vector tiles and TileJSON of the public layers (the contract of docs/architecture.md):
``/tiles/{collection}/{z}/{x}/{y}.mvt`` and ``/tiles/{collection}.json``."""

from django.urls import path

from layers import tiles

urlpatterns = [
    path("<slug:collection_id>.json", tiles.tilejson, name="tilejson"),
    path(
        "<slug:collection_id>/<int:z>/<int:x>/<int:y>.mvt",
        tiles.vector_tile,
        name="vector-tile",
    ),
]
