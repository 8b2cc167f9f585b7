"""Mapbox vector tiles of a layer's published revision, built by PostGIS, and their TileJSON.

``GET /tiles/{collection}/{z}/{x}/{y}.mvt`` and ``GET /tiles/{collection}.json``, for every
layer of ``Layer.objects.public()``: tiles are the only way a tiles-only layer (e.g. 永久基本农田)
reaches the public, so they carry the attributes the style and popup need and nothing else.

What measurement on this machine class showed (docs/architecture.md, "Tiles") shapes the code:

- The ETag depends only on the published revision, the layer's tile settings and z/x/y, so an
  ``If-None-Match`` is answered before any tile SQL runs, from a layer lookup that is itself
  kept in-process for a couple of seconds.
- Below the layer's ``min_zoom`` the answer is 204 No Content, never a tile cut by a LIMIT.
- The SQL reads the stored EPSG:3857 column through its GiST index (no per-request
  transform), uses integer SRIDs only, runs with JIT off, and is parameterised.
- Nothing is compressed here: the web server or CDN gzips tiles far more cheaply.

- A publish bakes the revision (``bake``): overview tiles below a detail zoom chosen from the
  data's density, groups of parcels with counts that cover every parcel (``overview``), read by
  key; the tile rows with their attributes ready, under an index of the layer's own.

Modules: ``sql`` builds one tile (TileSource, the statement, render_tile); ``lookup`` keeps the
public layer behind a collection id in-process for a couple of seconds; ``views`` answers tiles
and TileJSON; ``fastpath`` answers revalidations in front of Django; ``bake`` and ``overview``
make what a publish bakes; ``urls`` maps /tiles/.
"""
