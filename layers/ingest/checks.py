"""The checks of an upload, vectorised over its features with shapely 2 and pandas.

Each problem names the feature by its 1-based number in the source (the row number the
planner's GIS shows) and, when the layer has one, by its key (BSM). Severity decides:
an error rejects the file, a warning is kept with the revision.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from . import problems
from .landuse import LANDUSE_CODE_FIELDS, landuse_codes
from .limits import limit
from .problems import ManyFeatures, Problem, Severity, feature_where

# shapely type ids: 0 Point, 1 LineString, 2 LinearRing, 3 Polygon, 4 MultiPoint,
# 5 MultiLineString, 6 MultiPolygon, 7 GeometryCollection
FAMILY_OF_TYPE_ID = {0: "Point", 4: "Point", 1: "LineString", 2: "LineString", 5: "LineString"}
FAMILY_OF_TYPE_ID |= {3: "Polygon", 6: "Polygon", 7: "GeometryCollection"}
TYPE_IDS_OF_FAMILY = {
    "Point": (0, 4),
    "LineString": (1, 2, 5),
    "Polygon": (3, 6),
}
# A land-use code the plan itself assigns must be right; the survey's 地类编码 may still use
# the 三调 codes (0305 灌木林地, 1006 农村道路 ...), which are worth a note, not a rejection.
LANDUSE_CODE_SEVERITY = {"YDYHFLDM": problems.error, "DLBM": problems.warning}
# Data may reach this far (degrees, about 1 km) beyond the plan's area (a boundary drawn at
# another scale, a road's verge) before a feature counts as outside it.
EXTENT_TOLERANCE_DEGREES = 0.01


@dataclass
class GeometryCheck:
    geometries: np.ndarray  # repaired where needed; None where the feature has no geometry
    problems: list[Problem]


def dominant_geometry_type(geometries: np.ndarray) -> str:
    """The layer geometry type most features have: "Point", "LineString" or "Polygon"."""
    return dominant_family(family_counts(geometries))


def family_counts(geometries: np.ndarray) -> Counter:
    """How many features of each layer geometry type there are (added up batch by batch)."""
    type_ids, counts = np.unique(
        shapely.get_type_id(np.asarray(geometries, dtype=object)), return_counts=True
    )
    found: Counter = Counter()
    for type_id, count in zip(type_ids, counts, strict=True):
        family = FAMILY_OF_TYPE_ID.get(int(type_id))
        if family in TYPE_IDS_OF_FAMILY:
            found[family] += int(count)
    return found


def dominant_family(counts: Counter) -> str:
    # most_common keeps first-seen order among equal counts, as value_counts did
    return counts.most_common(1)[0][0] if counts else "Polygon"


def check_geometries(
    geometries: np.ndarray,
    geometry_type: str,
    keys: list[str | None],
    *,
    refused: np.ndarray | None = None,
) -> GeometryCheck:
    """``refused``: features already refused (coordinates.check_coordinates), with their
    geometry set to None; they are not reported again as empty."""
    found: list[Problem] = []
    fixed = geometries.copy()
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    missing = ~present if refused is None else ~present & ~refused
    type_ids = shapely.get_type_id(geometries)
    wrong_type = present & ~np.isin(type_ids, TYPE_IDS_OF_FAMILY[geometry_type])
    vertices = shapely.get_num_coordinates(geometries)
    max_vertices = limit("UPLOAD_MAX_VERTICES_PER_FEATURE")
    too_many = present & (vertices > max_vertices)
    invalid = present & ~wrong_type & ~too_many & ~shapely.is_valid(geometries)
    for index in np.flatnonzero(missing | wrong_type | too_many | invalid):
        where = feature_where(index, keys)
        if missing[index]:
            found.append(problems.error("geometry_empty", **where))
            fixed[index] = None
        elif wrong_type[index]:
            family = FAMILY_OF_TYPE_ID.get(int(type_ids[index]), "GeometryCollection")
            found.append(
                problems.error("geometry_wrong_type", found=family, expected=geometry_type, **where)
            )
        elif too_many[index]:
            found.append(
                problems.error(
                    "too_many_vertices", count=int(vertices[index]), limit=max_vertices, **where
                )
            )
        else:
            reason = shapely.is_valid_reason(geometries[index])
            repaired = repair(geometries[index], geometry_type)
            if repaired is None:
                found.append(problems.error("geometry_unrepairable", reason=reason, **where))
            else:
                fixed[index] = repaired
                found.append(problems.warning("geometry_repaired", reason=reason, **where))
    return GeometryCheck(fixed, found)


def repair(geometry: shapely.Geometry, geometry_type: str) -> shapely.Geometry | None:
    """make_valid, keeping only the parts of the layer's kind (a bow-tie polygon stays two
    triangles, not triangles plus a stray point); None when nothing of that kind is left."""
    made = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    wanted = TYPE_IDS_OF_FAMILY[geometry_type]
    parts = [
        part
        for part in shapely.get_parts(shapely.get_parts(made))
        if shapely.get_type_id(part) in wanted and not part.is_empty
    ]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    collect = {
        "Point": shapely.multipoints,
        "LineString": shapely.multilinestrings,
        "Polygon": shapely.multipolygons,
    }[geometry_type]
    return collect(parts)


def check_extent(
    geometries_4326: np.ndarray,
    plan_extent: shapely.Geometry | None,
    keys: list[str | None],
    *,
    official: bool = True,
) -> list[ManyFeatures]:
    """Features beyond the plan's area: errors against the official township boundary,
    warnings against an approximate extent (示意范围), which may be wrong where they lie.
    A layer larger than the plan has them on most of its features: made into Problems only
    as far as the log keeps them."""
    if plan_extent is None or plan_extent.is_empty:
        return []
    area = plan_extent.buffer(EXTENT_TOLERANCE_DEGREES)
    shapely.prepare(area)
    present = ~(shapely.is_missing(geometries_4326) | shapely.is_empty(geometries_4326))
    outside = np.flatnonzero(present & ~shapely.intersects(area, geometries_4326))
    if official:
        return problems.many_features("geometry_outside", Severity.ERROR, outside, keys)
    return problems.many_features("geometry_outside_approximate", Severity.WARNING, outside, keys)


def check_required_fields(
    attributes: pd.DataFrame, schema: list[dict], keys: list[str | None]
) -> list[Problem]:
    found = []
    # A layer with no features lacks no value: an empty GeoJSON, or a Shapefile written
    # without fields, is how "the plan has none here" (e.g. 不涉及生态保护红线) is delivered.
    if attributes.empty and not len(attributes.columns):
        return found
    for item in schema:
        name = item.get("name")
        if not name or not item.get("required"):
            continue
        if name not in attributes.columns:
            found.append(problems.error("field_missing", field=name))
            continue
        for index in np.flatnonzero(_blank(attributes[name])):
            found.append(problems.error("field_empty", field=name, **feature_where(index, keys)))
    return found


def check_landuse_codes(attributes: pd.DataFrame, keys: list[str | None]) -> list[Problem]:
    found = []
    for name in LANDUSE_CODE_FIELDS:
        if name not in attributes.columns:
            continue
        values = attributes[name]
        unknown = ~_blank(values) & ~values.isin(list(landuse_codes())).to_numpy()
        make = LANDUSE_CODE_SEVERITY[name]
        for index in np.flatnonzero(unknown):
            found.append(
                make(
                    "landuse_code_unknown",
                    field=name,
                    value=str(values.iat[index]),
                    **feature_where(index, keys),
                )
            )
    return found


def check_keys(attributes: pd.DataFrame, key_field: str, keys: list[str | None]) -> list[Problem]:
    found = check_keys_present(attributes, key_field, keys)
    if not key_field or key_field not in attributes.columns:
        return found
    first_of: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key in first_of:
            found.append(
                problems.error(
                    "key_duplicate",
                    field=key_field,
                    value=key,
                    first=first_of[key] + 1,
                    feature=index + 1,
                    key=key,
                )
            )
        else:
            first_of[key] = index
    return sorted(found, key=lambda p: p.feature or 0)


def check_keys_present(
    attributes: pd.DataFrame, key_field: str, keys: list[str | None]
) -> list[Problem]:
    """The key field is there and every feature has a key (duplicates are another check:
    check_keys here, in the database when streaming)."""
    if not key_field or len(attributes) == 0:
        return []
    if key_field not in attributes.columns:
        return [problems.warning("key_missing", field=key_field)]
    return [
        problems.warning("key_empty", field=key_field, feature=index + 1)
        for index, key in enumerate(keys)
        if key is None
    ]


def key_values(attributes: pd.DataFrame, key_field: str) -> list[str | None]:
    """The key of each feature as text (12.0 -> "12"), None where it is empty."""
    if not key_field or key_field not in attributes.columns:
        return [None] * len(attributes)
    values = attributes[key_field].tolist()
    if all(type(value) is str for value in values):  # the usual key: text (BSM)
        return [value.strip() or None for value in values]
    return [_text(value) for value in values]


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _blank(values: pd.Series) -> np.ndarray:
    """Where a value is missing or only blanks (numbers are never blank)."""
    missing = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
        return missing | text
    return missing
