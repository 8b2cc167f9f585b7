"""OGC API - Features (Part 1 Core, GeoJSON) at /ogc/: views, query parameters, the SQL of
feature pages and the API definition."""
