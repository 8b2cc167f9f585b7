"""CQL2 filters (OGC API - Features Part 3) as parameterised SQL on a revision's features.

pygeofilter parses the text and JSON encodings into one syntax tree; this module walks the
tree and writes SQL for the operators below, every value a query parameter and every
attribute name a parameter too (a jsonb key), so nothing a client writes becomes SQL text.
Only queryable attributes may be named (layers/ogc/queryables.py: the revision's own scalar
attributes, or ``geometry``); anything else is a 400 with the reason.

Supported: = <> < <= > >=, BETWEEN, LIKE (and CASEI/ILIKE through pygeofilter's lower()),
IN, IS NULL, AND, OR, NOT, and S_INTERSECTS with a WKT or GeoJSON geometry or a BBOX, in
CRS84 unless ``filter-crs`` names another supported CRS.
"""

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from layers.ogc.crs import CRS84, STORAGE_SRID, SupportedCrs
from layers.ogc.params import OgcError, invalid
from layers.ogc.queryables import GEOMETRY, Queryables

TEXT = "cql2-text"
JSON = "cql2-json"
LANGUAGES = (TEXT, JSON)
# The feature's stored geometry (lon/lat), as an operand's SQL.
FEATURE_GEOMETRY = "f.geom"
# Long parser messages (lark lists every token it expected) are cut for the answer.
REASON_CHARACTERS = 300

COMPARISONS = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}


@dataclass
class Condition:
    """A WHERE condition and its parameters, in order."""

    sql: str
    params: list = field(default_factory=list)


@dataclass(frozen=True)
class _Operand:
    sql: str
    params: list
    kind: str  # "string", "number", "boolean" or "geometry"


def parse_filter(text: str, language: str, queryables: Queryables, crs: SupportedCrs = CRS84):
    """The filter as a Condition on ``f`` (layers_feature), or OgcError 400 with the reason."""
    try:
        tree = parse_cql2_json(json.loads(text)) if language == JSON else parse_cql2_text(text)
    except Exception as error:  # noqa: BLE001 - lark, json and pygeofilter raise many kinds
        raise invalid(
            _("The filter is not valid %(language)s: %(reason)s")
            % {"language": language, "reason": _reason(error)}
        ) from None
    return _Translator(queryables, crs).condition(tree)


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= REASON_CHARACTERS else text[:REASON_CHARACTERS] + "…"


def unsupported(what: str) -> OgcError:
    return invalid(
        _("The filter uses %(what)s, which this server does not support.") % {"what": what}
    )


class _Translator:
    def __init__(self, queryables: Queryables, crs: SupportedCrs):
        self.queryables = queryables
        self.crs = crs

    # --- conditions ---------------------------------------------------------------------

    def condition(self, node) -> Condition:
        if isinstance(node, ast.And | ast.Or):
            lhs, rhs = self.condition(node.lhs), self.condition(node.rhs)
            joiner = " AND " if isinstance(node, ast.And) else " OR "
            return Condition(f"({lhs.sql}{joiner}{rhs.sql})", lhs.params + rhs.params)
        if isinstance(node, ast.Not):
            inner = self.condition(node.sub_node)
            return Condition(f"(NOT {inner.sql})", inner.params)
        if type(node) in COMPARISONS:
            lhs, rhs = self.comparable(node.lhs, node.rhs)
            return Condition(
                f"({lhs.sql} {COMPARISONS[type(node)]} {rhs.sql})", lhs.params + rhs.params
            )
        if isinstance(node, ast.Between):
            lhs, low = self.comparable(node.lhs, node.low)
            _lhs, high = self.comparable(node.lhs, node.high)
            negation = "NOT " if node.not_ else ""
            return Condition(
                f"({lhs.sql} {negation}BETWEEN {low.sql} AND {high.sql})",
                lhs.params + low.params + high.params,
            )
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.In):
            return self.within_list(node)
        if isinstance(node, ast.IsNull):
            operand = self.operand(node.lhs)
            negation = "NOT " if node.not_ else ""
            return Condition(f"({operand.sql} IS {negation}NULL)", operand.params)
        if isinstance(node, ast.GeometryIntersects):
            return self.intersects(node)
        if isinstance(node, bool):
            return Condition("TRUE" if node else "FALSE")
        raise unsupported(_operator_name(node))

    def like(self, node: ast.Like) -> Condition:
        lhs = self.operand(node.lhs)
        pattern = self.operand(node.pattern)
        if lhs.kind != "string" or pattern.kind != "string":
            raise invalid(_("LIKE compares text: both sides must be text."))
        operator = "ILIKE" if node.nocase else "LIKE"
        negation = "NOT " if node.not_ else ""
        # CQL2 patterns use % and _ with backslash escapes, exactly as PostgreSQL's LIKE does.
        return Condition(
            f"({lhs.sql} {negation}{operator} {pattern.sql})", lhs.params + pattern.params
        )

    def within_list(self, node: ast.In) -> Condition:
        if not node.sub_nodes:
            raise invalid(_("IN needs at least one value."))
        lhs = self.operand(node.lhs)
        items = [self.operand(item) for item in node.sub_nodes]
        for item in items:
            self.same_kind(lhs, item)
        negation = "NOT " if node.not_ else ""
        params = list(lhs.params)
        for item in items:
            params += item.params
        listed = ", ".join(item.sql for item in items)
        return Condition(f"({lhs.sql} {negation}IN ({listed}))", params)

    def intersects(self, node: ast.GeometryIntersects) -> Condition:
        lhs, rhs = self.operand(node.lhs), self.operand(node.rhs)
        if lhs.kind != "geometry" or rhs.kind != "geometry":
            raise invalid(_("S_INTERSECTS compares two geometries."))
        test = Condition(f"ST_Intersects({lhs.sql}, {rhs.sql})", lhs.params + rhs.params)
        if (lhs.sql == FEATURE_GEOMETRY) == (rhs.sql == FEATURE_GEOMETRY):
            return test  # two literals, or the feature with itself: no index to ask
        # The feature's geometry against a literal: the literal's box in Web Mercator lets the
        # GiST index on geom_3857 pick the candidates, as the bbox parameter does.
        other = rhs if lhs.sql == FEATURE_GEOMETRY else lhs
        return Condition(
            f"(f.geom_3857 && layers_mercator_box({other.sql}) AND {test.sql})",
            other.params + test.params,
        )

    # --- operands -----------------------------------------------------------------------

    def comparable(self, lhs_node, rhs_node) -> tuple[_Operand, _Operand]:
        lhs, rhs = self.operand(lhs_node), self.operand(rhs_node)
        self.same_kind(lhs, rhs)
        if lhs.kind == "geometry":
            raise unsupported(_("a comparison of geometries"))
        return lhs, rhs

    @staticmethod
    def same_kind(lhs: _Operand, rhs: _Operand) -> None:
        if lhs.kind != rhs.kind:
            raise invalid(
                _("The filter compares a %(left)s with a %(right)s.")
                % {"left": _kind_name(lhs.kind), "right": _kind_name(rhs.kind)}
            )

    def operand(self, node) -> _Operand:
        if isinstance(node, ast.Attribute):
            return self.attribute(node.name)
        if isinstance(node, bool):
            return _Operand("%s", [node], "boolean")
        if isinstance(node, int | float):
            return _Operand("%s::numeric", [node], "number")
        if isinstance(node, str):
            return _Operand("%s::text", [node], "string")
        if isinstance(node, values.Geometry):
            return self.geometry(json.dumps(node.geometry))
        if isinstance(node, values.Envelope):
            return self.envelope(node.x1, node.y1, node.x2, node.y2)
        if isinstance(node, ast.Function) and node.name.lower() == "bbox":
            numbers = node.arguments
            if len(numbers) != 4 or not all(isinstance(n, int | float) for n in numbers):
                raise invalid(_("BBOX needs four numbers."))
            return self.envelope(*numbers)
        if isinstance(node, ast.Function) and node.name.lower() == "lower" and node.arguments:
            # CASEI(x): pygeofilter reads it as lower(x).
            inner = self.operand(node.arguments[0])
            if inner.kind != "string":
                raise invalid(_("CASEI applies to text."))
            return _Operand(f"lower({inner.sql})", inner.params, "string")
        raise unsupported(_operator_name(node))

    def attribute(self, name: str) -> _Operand:
        if name == GEOMETRY:
            return _Operand(FEATURE_GEOMETRY, [], "geometry")
        kind = self.queryables.kinds.get(name)
        if kind is None:
            raise invalid(
                _(
                    "The filter names %(name)s, which is not a queryable of this collection "
                    "(see its queryables)."
                )
                % {"name": name}
            )
        # ->> gives SQL NULL for a missing key and for JSON null alike; the cast is safe as
        # every non-null value of a "number" attribute is a JSON number (layers/summary.py).
        text = "(f.properties ->> %s)"
        if kind == "number":
            return _Operand(f"{text}::numeric", [name], kind)
        if kind == "boolean":
            return _Operand(f"{text}::boolean", [name], kind)
        return _Operand(text, [name], kind)

    def geometry(self, geojson: str) -> _Operand:
        sql = f"ST_SetSRID(ST_GeomFromGeoJSON(%s), {self.crs.srid})"
        return _Operand(self._to_storage(sql), [geojson], "geometry")

    def envelope(self, min_x, min_y, max_x, max_y) -> _Operand:
        sql = f"ST_MakeEnvelope(%s, %s, %s, %s, {self.crs.srid})"
        return _Operand(self._to_storage(sql), [min_x, min_y, max_x, max_y], "geometry")

    def _to_storage(self, sql: str) -> str:
        """A literal in the filter CRS's axis order, put into the stored lon/lat."""
        if self.crs.north_first:
            sql = f"ST_FlipCoordinates({sql})"
        if self.crs.srid != STORAGE_SRID:
            sql = f"ST_Transform({sql}, {STORAGE_SRID})"
        return sql


def _kind_name(kind: str) -> str:
    names = {
        "string": _("text value"),
        "number": _("numeric value"),
        "boolean": _("true/false value"),
        "geometry": _("geometry value"),
    }
    return names.get(kind, kind)


def _operator_name(node) -> str:
    op = getattr(node, "op", None)
    if op is not None:
        name = str(getattr(op, "value", op)).upper()
        # CQL2 spells the spatial and temporal functions with a prefix: S_WITHIN, T_AFTER.
        if isinstance(node, ast.SpatialComparisonPredicate):
            return f"S_{name}"
        if isinstance(node, ast.TemporalPredicate):
            return f"T_{name}"
        return name
    if isinstance(node, ast.Function):
        return f"{node.name}()"
    return type(node).__name__
