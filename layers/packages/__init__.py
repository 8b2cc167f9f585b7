"""汇交 databases in one go: a zipped FileGDB or a GeoPackage holding a plan's standard layers
(XZQ, STBHHX, YJJBNT, CZKFBJ, GHFQ, YDYH, ...), matched to the plan's layers by code or name
(``catalogue.py``), each written through the one upload pipeline as a revision
(``service.py``, run by the job worker), checked across layers (``layers/crosscheck.py``: the
三条控制线 must not overlap, nothing may lie outside the XZQ extent) and published together or
not at all.
"""
