"""The coordinate reference systems /ogc/ answers in (OGC API - Features Part 2, 18-058r1).

The features are stored as EPSG:4326 in PostGIS, longitude first, which is exactly what CRS84
describes; CGCS2000 (EPSG:4490) is treated as the same as WGS 84 here (they differ by
centimetres at plan scale, and PROJ has no grid between them), so asking for EPSG:4490 changes
the CRS named and the axis order, not the numbers.

Part 2 wants coordinates in the axis order of the CRS's definition: EPSG:4490 and EPSG:4326 are
latitude first, and EPSG's CGCS2000 Gauss-Krüger systems (4525 zone 37, 4546 CM 111E) are
northing (X) first, easting (Y) second, as Chinese surveying writes them. Only CRS84 is
longitude first. PostGIS always holds x = longitude / easting, so the SQL flips the others.
"""

from dataclasses import dataclass

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
STORAGE_SRID = 4326


@dataclass(frozen=True)
class SupportedCrs:
    uri: str
    srid: int  # the PostGIS SRID to transform to (integer SRIDs only: text CRSs are slow)
    # The first axis of the CRS's definition points north (latitude or northing), so PostGIS's
    # x/y must be swapped in answers and in a bbox given in this CRS.
    north_first: bool
    geographic: bool
    decimals: int  # 7 decimals of a degree or 3 of a metre: about a centimetre or a millimetre
    # Where coordinates of this CRS make sense, in PostGIS order (x = longitude / easting):
    # a bbox outside it is refused rather than handed to PROJ.
    domain: tuple[float, float, float, float]

    @property
    def stored_as_is(self) -> bool:
        return self.srid == STORAGE_SRID and not self.north_first


def _epsg(
    code: int, *, geographic: bool, domain: tuple[float, float, float, float]
) -> SupportedCrs:
    return SupportedCrs(
        uri=EPSG_URI.format(code=code),
        srid=code,
        north_first=True,
        geographic=geographic,
        decimals=7 if geographic else 3,
        domain=domain,
    )


WORLD = (-180.0, -90.0, 180.0, 90.0)
# A 3-degree Gauss-Krüger zone is used a few hundred kilometres either side of its meridian;
# a million metres either side keeps PROJ's Transverse Mercator well inside its accuracy.
GK_CM_111E = (500_000 - 1_000_000, 0.0, 500_000 + 1_000_000, 10_000_000.0)
GK_ZONE_37 = (37_500_000 - 1_000_000, 0.0, 37_500_000 + 1_000_000, 10_000_000.0)

CRS84 = SupportedCrs(CRS84_URI, STORAGE_SRID, False, True, 7, WORLD)
CGCS2000 = _epsg(4490, geographic=True, domain=WORLD)
WGS84 = _epsg(4326, geographic=True, domain=WORLD)
CGCS2000_GK_CM_111E = _epsg(4546, geographic=False, domain=GK_CM_111E)
CGCS2000_GK_ZONE_37 = _epsg(4525, geographic=False, domain=GK_ZONE_37)

# In the order collections list them; CRS84 first, as it is the default.
SUPPORTED = {
    crs.uri: crs for crs in (CRS84, CGCS2000, CGCS2000_GK_CM_111E, CGCS2000_GK_ZONE_37, WGS84)
}
# What the data is stored in (the collection's storageCrs): WGS 84 longitude/latitude.
STORAGE_CRS = CRS84
