"""What a collection's features may be filtered and sorted by (OGC API - Features Part 3).

The queryables are the published revision's own attributes with one JSON type each, as the
revision's summary records them (layers/summary.py), plus ``geometry``. An attribute whose
values are all numbers (or null) is a number, all booleans a boolean, anything else with a
text value is compared as text; objects and arrays are not queryable. They are exactly the
attributes the items answer shows, so a filter cannot reach anything the answer hides.
"""

from dataclasses import dataclass

from layers.models import Layer, LayerRevision
from layers.summary import RevisionSummary, ensure_summary

GEOMETRY = "geometry"
SCALAR_TYPES = {"string", "number", "boolean"}


@dataclass(frozen=True)
class Queryables:
    # Attribute name -> "string", "number" or "boolean".
    kinds: dict[str, str]
    # Every attribute the features carry (for `properties`), scalar or not.
    names: tuple[str, ...]
    geometry_types: tuple[str, ...]


def _kind(types: list[str]) -> str | None:
    present = set(types) - {"null"}
    if not present <= SCALAR_TYPES:
        return None
    if present == {"number"} or present == {"boolean"}:
        return present.pop()
    return "string"


def queryables_of(revision: LayerRevision) -> tuple[Queryables, RevisionSummary]:
    summary = ensure_summary(revision)
    kinds = {}
    for name, types in sorted(summary.property_types.items()):
        kind = _kind(types)
        if kind is not None:
            kinds[name] = kind
    names = tuple(sorted(summary.property_types))
    return Queryables(kinds, names, summary.geometry_types), summary


def _geometry_format(geometry_types: tuple[str, ...]) -> str:
    """Part 3's geometry formats: one type when the revision has one family."""
    families = {kind.removeprefix("MULTI") for kind in geometry_types}
    if len(families) != 1:
        return "geometry-any"
    family = families.pop()
    formats = {"POINT": "point", "LINESTRING": "linestring", "POLYGON": "polygon"}
    if family not in formats:
        return "geometry-any"
    multi = any(kind.startswith("MULTI") for kind in geometry_types)
    return f"geometry-{'multi' if multi else ''}{formats[family]}"


def queryables_schema(layer: Layer, queryables: Queryables, url: str) -> dict:
    """The JSON Schema of /collections/{id}/queryables; titles from the layer's attribute
    schema where the planner gave them."""
    labels = {
        str(item.get("name")): str(item.get("label") or "")
        for item in layer.attribute_schema or []
        if isinstance(item, dict) and item.get("name")
    }
    properties: dict[str, dict] = {
        GEOMETRY: {
            "format": _geometry_format(queryables.geometry_types),
            "x-ogc-role": "primary-geometry",
        }
    }
    for name, kind in queryables.kinds.items():
        entry = {"type": kind}
        if labels.get(name):
            entry["title"] = labels[name]
        properties[name] = entry
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": layer.title,
        "properties": properties,
        "additionalProperties": False,
    }
