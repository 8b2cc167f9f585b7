"""Which coordinate system an upload is in.

Chinese plan data is in CGCS2000: geographic (EPSG:4490) or projected in a 3-degree
Gauss-Krüger zone, with the zone number in front of the easting (EPSG:4513-4533: zone 37 is
37 500 000 m at 111°E, EPSG:4525) or without it (EPSG:4534-4554: EPSG:4546 for 111°E). Files
name these in many ways (ESRI WKT "CGCS2000_3_Degree_GK_CM_111E", "CGCS_2000_3_Degree_GK_Zone_37",
a .prj GDAL cannot parse at all), or not at all. So the declared system is judged by its
parameters (ellipsoid, central meridian, false easting), checked against the coordinates, and
a file without one is recognised from its coordinates only when exactly one system fits.
WGS 84 is accepted as the same as CGCS2000 at plan scale; other datums (Beijing 1954,
Xi'an 1980) need a conversion we cannot do safely and are refused.
"""

import math
import re
from dataclasses import dataclass
from functools import cache

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from . import problems
from .coordinates import format_coordinate

CGCS2000_GEOGRAPHIC = 4490
GK3_PREFIXED_FIRST = 4513  # zone 25 (75°E) ... 4533 zone 45 (135°E)
GK3_PLAIN_FIRST = 4534  # 75°E ... 4554 135°E
GK6_PREFIXED_FIRST = 4491  # zone 13 (75°E) ... 4501 zone 23 (135°E)
GK3_ZONES = range(25, 46)
GK6_ZONES = range(13, 24)
SEMI_MAJOR = 6378137.0
# CGCS2000 (= GRS 80) and WGS 84 differ only in the 9th digit of the flattening.
INVERSE_FLATTENINGS = (298.257222101, 298.257223563)
# How far (degrees, about 2 km) data may lie outside the plan extent and still pick a zone.
EXTENT_TOLERANCE_DEGREES = 0.02

_NAME_CM = re.compile(r"CGCS[ _]?2000.*?3[ _-]?Degree.*?(?:GK|Gauss).*?CM[ _]?(\d{2,3})", re.I)
_NAME_ZONE = re.compile(r"CGCS[ _]?2000.*?3[ _-]?Degree.*?(?:GK|Gauss).*?Zone[ _]?(\d{2})", re.I)


@dataclass(frozen=True)
class RecognisedCrs:
    crs: CRS
    label: str  # "EPSG:4546", or the system's name when it has no EPSG code
    problem: problems.Problem | None = None

    @property
    def epsg(self) -> int | None:
        match = re.fullmatch(r"EPSG:(\d+)", self.label)
        return int(match.group(1)) if match else None


def gk3_epsg(central_meridian: float, prefixed: bool) -> int | None:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone of a central meridian."""
    zone = central_meridian / 3
    if not zone.is_integer() or int(zone) not in GK3_ZONES:
        return None
    first = GK3_PREFIXED_FIRST if prefixed else GK3_PLAIN_FIRST
    return first + int(zone) - GK3_ZONES.start


def zone_epsg_for_longitude(longitude: float) -> int:
    """The plain (no prefix) 3-degree zone whose central meridian is nearest: where areas of a
    plan at this longitude are measured (111.5°E -> EPSG:4546)."""
    zone = min(max(round(longitude / 3), GK3_ZONES.start), GK3_ZONES.stop - 1)
    return GK3_PLAIN_FIRST + zone - GK3_ZONES.start


def recognise_crs(
    declared_wkt: str | None,
    bounds: tuple[float, float, float, float] | None,
    plan_extent: shapely.Geometry | None,
    prj_text: str | None = None,
) -> RecognisedCrs:
    """The coordinate system to read the data in; raises RejectedFile with the reason when
    there is none that fits. ``bounds`` are the data's (xmin, ymin, xmax, ymax) as stored;
    ``plan_extent`` is the plan's area in EPSG:4326."""
    declared = _declared(declared_wkt, prj_text)
    if bounds is None or not all(math.isfinite(v) for v in bounds):
        crs = declared or CRS.from_epsg(CGCS2000_GEOGRAPHIC)
        return RecognisedCrs(crs, _label(crs))
    if declared is None:
        guessed = _guess(bounds, plan_extent)
        return RecognisedCrs(
            guessed.crs, guessed.label, problems.warning("crs_guessed", crs=guessed.label)
        )
    _require_supported_datum(declared)
    if _fits(declared, bounds):
        return RecognisedCrs(declared, _label(declared))
    # The coordinates contradict the declaration (typically a zone prefix in the eastings
    # that the .prj does not have, or the reverse): trust the coordinates when they are clear.
    try:
        guessed = _guess(bounds, plan_extent)
    except problems.RejectedFile:
        raise problems.RejectedFile(
            problems.error("crs_mismatch", crs=_label(declared), **_rounded(bounds))
        ) from None
    return RecognisedCrs(
        guessed.crs,
        guessed.label,
        problems.warning("crs_corrected", declared=_label(declared), crs=guessed.label),
    )


def _declared(declared_wkt: str | None, prj_text: str | None) -> CRS | None:
    for text in (declared_wkt, prj_text):
        if text and text.strip():
            try:
                return CRS.from_user_input(text.strip())
            except CRSError:
                continue
    if prj_text:
        if match := _NAME_CM.search(prj_text):
            epsg = gk3_epsg(float(match.group(1)), prefixed=False)
        elif match := _NAME_ZONE.search(prj_text):
            epsg = gk3_epsg(float(match.group(1)) * 3, prefixed=True)
        else:
            epsg = None
        if epsg:
            return CRS.from_epsg(epsg)
    return None


def _require_supported_datum(crs: CRS) -> None:
    ellipsoid = crs.ellipsoid
    supported = (
        ellipsoid is not None
        and abs(ellipsoid.semi_major_metre - SEMI_MAJOR) < 0.01
        and any(abs(ellipsoid.inverse_flattening - f) < 1e-6 for f in INVERSE_FLATTENINGS)
    )
    if not supported:
        raise problems.RejectedFile(problems.error("crs_unsupported_datum", name=crs.name))


def _label(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70) or _gauss_kruger_epsg(crs)
    return f"EPSG:{epsg}" if epsg else crs.name


def _gauss_kruger_epsg(crs: CRS) -> int | None:
    parameters = _tm_parameters(crs)
    if parameters is None:
        return None
    central_meridian, false_easting = parameters
    if false_easting == 500_000:
        return gk3_epsg(central_meridian, prefixed=False)
    if false_easting == (central_meridian / 3) * 1_000_000 + 500_000:
        return gk3_epsg(central_meridian, prefixed=True)
    return None


def _tm_parameters(crs: CRS) -> tuple[float, float] | None:
    """(central meridian, false easting) of a Transverse Mercator system, else None."""
    operation = crs.coordinate_operation if crs.is_projected else None
    if operation is None or "transverse mercator" not in operation.method_name.lower():
        return None
    values = {p.name.lower(): p.value for p in operation.params}
    return values.get("longitude of natural origin"), values.get("false easting")


def _fits(crs: CRS, bounds: tuple[float, float, float, float]) -> bool:
    xmin, ymin, xmax, ymax = bounds
    if crs.is_geographic:
        return -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90
    parameters = _tm_parameters(crs)
    if parameters is not None:
        false_easting = parameters[1] or 0
        # A Gauss-Krüger zone reaches a few hundred kilometres either side of its meridian.
        return xmin - false_easting > -800_000 and xmax - false_easting < 800_000
    try:
        west, south, east, north = _to_lonlat(crs.to_epsg() or crs.to_wkt()).transform_bounds(
            *bounds
        )
    except Exception:  # noqa: BLE001 - any PROJ failure means the system does not fit
        return False
    return all(math.isfinite(v) for v in (west, south, east, north))


def _guess(
    bounds: tuple[float, float, float, float], plan_extent: shapely.Geometry | None
) -> RecognisedCrs:
    xmin, ymin, xmax, ymax = bounds
    if -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90:
        crs = CRS.from_epsg(CGCS2000_GEOGRAPHIC)
        return RecognisedCrs(crs, _label(crs))
    northing_plausible = 0 <= ymin <= ymax <= 10_000_000
    if northing_plausible and xmin >= 10_000_000:
        zone = int(xmin // 1_000_000)
        if int(xmax // 1_000_000) == zone:
            epsg = None
            if zone in GK3_ZONES:
                epsg = GK3_PREFIXED_FIRST + zone - GK3_ZONES.start
            elif zone in GK6_ZONES:
                epsg = GK6_PREFIXED_FIRST + zone - GK6_ZONES.start
            if epsg:
                return RecognisedCrs(CRS.from_epsg(epsg), f"EPSG:{epsg}")
    if northing_plausible and 100_000 <= xmin <= xmax < 1_000_000:
        if plan_extent is None or plan_extent.is_empty:
            raise problems.RejectedFile(problems.error("crs_missing_no_extent"))
        area = plan_extent.buffer(EXTENT_TOLERANCE_DEGREES)
        west, _, east, _ = area.bounds
        # Data within a zone lies less than about 4° from its meridian: only the zones near
        # the plan need a (costly to build) transformation.
        nearby = [z for z in GK3_ZONES if west - 4.5 <= z * 3 <= east + 4.5]
        fitting = [
            epsg
            for epsg in (GK3_PLAIN_FIRST + z - GK3_ZONES.start for z in nearby)
            if area.intersects(shapely.box(*_to_lonlat(epsg).transform_bounds(*bounds)))
        ]
        if len(fitting) == 1:
            return RecognisedCrs(CRS.from_epsg(fitting[0]), f"EPSG:{fitting[0]}")
        if fitting:
            zones = ", ".join(f"EPSG:{epsg}" for epsg in fitting)
            raise problems.RejectedFile(problems.error("crs_missing_ambiguous", zones=zones))
        raise problems.RejectedFile(problems.error("crs_missing_no_zone", **_rounded(bounds)))
    raise problems.RejectedFile(problems.error("crs_missing_unknown", **_rounded(bounds)))


@cache
def _to_lonlat(source: int | str) -> Transformer:
    return Transformer.from_crs(source, 4326, always_xy=True)


def _rounded(bounds: tuple[float, float, float, float]) -> dict[str, str]:
    return {
        name: format_coordinate(value)
        for name, value in zip(("xmin", "ymin", "xmax", "ymax"), bounds, strict=True)
    }
