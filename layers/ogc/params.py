"""Query parameters of the OGC API - Features endpoints, checked as the standard asks.

OGC API - Features Part 1 (17-069r4) wants a 400 for a parameter the API definition does not
specify (/req/core/query-param-unknown) and for an invalid value (/req/core/query-param-invalid),
so every endpoint names the parameters it accepts and nothing else gets through.
"""

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.http import QueryDict
from django.utils.translation import gettext as _

from layers.ogc.crs import CRS84, SUPPORTED, SupportedCrs

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
FORMATS = ("json",)
OPEN_END = ("", "..")
INTEGER = re.compile(r"-?[0-9]{1,12}")

# The parameters each kind of endpoint understands; `f` is accepted everywhere.
METADATA_PARAMETERS = frozenset({"f"})
ITEM_PARAMETERS = frozenset({"f", "crs"})
ITEMS_PARAMETERS = frozenset(
    {"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs"}
    # Part 3 (CQL2 filters) and the `properties` and `sortby` of tipg and pygeoapi.
    | {"filter", "filter-lang", "filter-crs", "properties", "sortby"}
)
FILTER_LANGUAGES = ("cql2-text", "cql2-json")


class OgcError(Exception):
    """An answer other than 200, with the code and message the JSON error body carries."""

    def __init__(self, status: int, code: str, description: str):
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


def invalid(description: str) -> OgcError:
    return OgcError(400, "InvalidParameterValue", description)


@dataclass(frozen=True)
class Envelope:
    """A box in PostGIS order (x = longitude or easting) in the CRS of its SRID."""

    min_x: float
    min_y: float
    max_x: float
    max_y: float
    srid: int = CRS84.srid


@dataclass(frozen=True)
class ItemsQuery:
    limit: int
    offset: int
    # One envelope, or two when the box crosses the antimeridian (min x > max x).
    envelopes: tuple[Envelope, ...]
    bbox: str | None
    datetime: str | None
    crs: SupportedCrs = CRS84  # the CRS of the answer
    # The parameters as given, repeated in the next and prev links.
    crs_text: str | None = None
    bbox_crs_text: str | None = None
    # Checked against the collection's queryables by layers/ogc/selection.py.
    filter: str | None = None
    filter_lang: str = FILTER_LANGUAGES[0]
    filter_crs: SupportedCrs = CRS84
    filter_crs_text: str | None = None
    properties: str | None = None
    sortby: str | None = None

    def repeated(self) -> dict[str, str]:
        """The parameters a next or prev link repeats, as given."""
        params = {
            "bbox": self.bbox,
            "bbox-crs": self.bbox_crs_text,
            "datetime": self.datetime,
            "crs": self.crs_text,
            "filter": self.filter,
            "filter-lang": self.filter_lang if self.filter is not None else None,
            "filter-crs": self.filter_crs_text,
            "properties": self.properties,
            "sortby": self.sortby,
        }
        return {name: value for name, value in params.items() if value is not None}


def check_parameters(query: QueryDict, allowed: frozenset[str]) -> None:
    """Refuses unknown and repeated parameters and any format but JSON."""
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise OgcError(
            400,
            "InvalidParameterValue",
            _("Unknown query parameter: %(names)s. This endpoint accepts: %(allowed)s.")
            % {"names": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))},
        )
    for name in query:
        if len(query.getlist(name)) > 1:
            raise invalid(_("The parameter %(name)s may be given once.") % {"name": name})
    if "f" in query and query["f"] not in FORMATS:
        raise invalid(
            _("The parameter f must be one of: %(formats)s (only JSON is offered).")
            % {"formats": ", ".join(FORMATS)}
        )


def parse_items_query(query: QueryDict) -> ItemsQuery:
    check_parameters(query, ITEMS_PARAMETERS)
    bbox = query.get("bbox")
    moment = query.get("datetime")
    if moment is not None:
        parse_datetime_parameter(moment)
    bbox_crs = parse_crs(query.get("bbox-crs"), "bbox-crs")
    if "bbox-crs" in query and bbox is None:
        raise invalid(_("The parameter bbox-crs is given without bbox."))
    filter_lang = query.get("filter-lang", FILTER_LANGUAGES[0])
    if filter_lang not in FILTER_LANGUAGES:
        raise invalid(
            _("The parameter filter-lang must be one of: %(choices)s.")
            % {"choices": ", ".join(FILTER_LANGUAGES)}
        )
    if "filter" in query and not query["filter"].strip():
        raise invalid(_("The parameter filter is empty."))
    return ItemsQuery(
        filter=query.get("filter"),
        filter_lang=filter_lang,
        filter_crs=parse_crs(query.get("filter-crs"), "filter-crs"),
        filter_crs_text=query.get("filter-crs"),
        properties=query.get("properties"),
        sortby=query.get("sortby"),
        limit=parse_limit(query.get("limit")),
        offset=parse_offset(query.get("offset")),
        envelopes=parse_bbox(bbox, bbox_crs) if bbox is not None else (),
        bbox=bbox,
        datetime=moment,
        crs=parse_crs(query.get("crs"), "crs"),
        crs_text=query.get("crs"),
        bbox_crs_text=query.get("bbox-crs"),
    )


def parse_item_query(query: QueryDict) -> SupportedCrs:
    """The CRS one feature is answered in."""
    check_parameters(query, ITEM_PARAMETERS)
    return parse_crs(query.get("crs"), "crs")


def parse_crs(text: str | None, name: str) -> SupportedCrs:
    """A CRS by its URI (Part 2 /req/crs/fc-crs-valid-value); CRS84 when not given."""
    if text is None:
        return CRS84
    crs = SUPPORTED.get(text.strip())
    if crs is None:
        raise invalid(
            _("The parameter %(name)s must be one of: %(choices)s.")
            % {"name": name, "choices": ", ".join(SUPPORTED)}
        )
    return crs


def _integer(text: str) -> int | None:
    return int(text) if INTEGER.fullmatch(text) else None


def parse_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    value = _integer(text)
    if value is None or value < 1:
        raise invalid(
            _("The parameter limit must be a whole number from 1 to %(max)d.") % {"max": MAX_LIMIT}
        )
    # 17-069r4 requirement 22 C: a limit above the maximum is not an error; the maximum applies.
    return min(value, MAX_LIMIT)


def parse_offset(text: str | None) -> int:
    if text is None:
        return 0
    value = _integer(text)
    if value is None or value < 0:
        raise invalid(_("The parameter offset must be a whole number, 0 or more."))
    return value


def parse_bbox(text: str, crs: SupportedCrs = CRS84) -> tuple[Envelope, ...]:
    """Four numbers (the lower corner, then the upper corner, each in the axis order of
    ``crs``: min lon, min lat, max lon, max lat in CRS84, min lat, min lon, max lat, max lon
    in EPSG:4490, northings first in the Gauss-Krüger systems) or six with heights, which are
    ignored because the layers are two-dimensional."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise invalid(_bbox_message(crs)) from None
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise invalid(_bbox_message(crs))
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if crs.north_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    min_x, min_y, max_x, max_y = numbers
    if not _within_domain(crs, min_x, min_y, max_x, max_y):
        raise invalid(_outside_domain_message(crs))
    if min_x > max_x:
        # The standard lets a box cross the antimeridian; split it into its two halves.
        return (
            Envelope(min_x, min_y, 180.0, max_y, crs.srid),
            Envelope(-180.0, min_y, max_x, max_y, crs.srid),
        )
    return (Envelope(min_x, min_y, max_x, max_y, crs.srid),)


def _bbox_message(crs: SupportedCrs) -> str:
    if crs == CRS84:
        return _(
            "The parameter bbox must be four comma-separated numbers in CRS84: "
            "min longitude, min latitude, max longitude, max latitude."
        )
    return _(
        "The parameter bbox must be four comma-separated numbers in %(crs)s: the lower "
        "corner, then the upper corner, each in that system's axis order (latitude or "
        "northing first)."
    ) % {"crs": crs.uri}


def _within_domain(
    crs: SupportedCrs, min_x: float, min_y: float, max_x: float, max_y: float
) -> bool:
    """Both corners inside the CRS's domain, the lower one first (in longitude only a
    geographic box may have min > max: it then crosses the antimeridian)."""
    west, south, east, north = crs.domain
    return (
        all(west <= x <= east for x in (min_x, max_x))
        and all(south <= y <= north for y in (min_y, max_y))
        and min_y <= max_y
        and (crs.geographic or min_x <= max_x)
    )


def _outside_domain_message(crs: SupportedCrs) -> str:
    if crs.geographic:
        return _(
            "The parameter bbox must lie within longitude -180 to 180 and latitude -90 to "
            "90, with the minimum latitude first."
        )
    west, south, east, north = crs.domain
    return _(
        "The parameter bbox must lie within easting %(west)s to %(east)s and northing "
        "%(south)s to %(north)s of %(crs)s, with the lower corner first."
    ) % {
        "west": f"{west:.0f}",
        "east": f"{east:.0f}",
        "south": f"{south:.0f}",
        "north": f"{north:.0f}",
        "crs": crs.uri,
    }


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_datetime_parameter(text: str) -> None:
    """Checks an RFC 3339 instant or interval (`start/end`, `../end`, `start/..`). The layers
    have no temporal geometry, and such features match every datetime (17-069r4 requirement
    25 C), so the value only has to be valid."""
    parts = text.split("/")
    try:
        if len(parts) == 1 and parts[0] not in OPEN_END:
            _instant(parts[0])
            return
        if len(parts) == 2 and not (parts[0] in OPEN_END and parts[1] in OPEN_END):
            bounds = [_instant(part) for part in parts if part not in OPEN_END]
            if len(bounds) < 2 or bounds[0] <= bounds[1]:
                return
    except ValueError:
        pass
    raise invalid(
        _(
            "The parameter datetime must be an RFC 3339 date-time or an interval such as "
            "2024-01-01T00:00:00Z/.. with the start before the end."
        )
    )
