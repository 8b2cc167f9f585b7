"""Helpers of scripts/build_demo_layers.py, the generator of the 阳泉曲镇 demonstration layers.

- common: the metric working frame (EPSG:4546), geometry helpers, the Layer record and the
  GeoJSON/catalogue writer;
- town: the skeleton every layer hangs on (real inputs, village points, river, roads, 镇政府驻地
  范围, 城镇开发边界, village territories and the named plan areas);
- farmland: the terrain-following 永久基本农田 parcels;
- layers_base / layers_plan: one function per catalogue layer (chapters 1-3, then 4-8).
"""
