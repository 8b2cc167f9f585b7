"""The public layers of a plan inside a sheet's frame, drawn as one SVG on the server.

Access rules are those of the public map, never looser:
- only public layers (Layer.objects.public()) and their published revision;
- a GENERALISED layer (永久基本农田, ...) is drawn as the grid cells its tiles show at the
  frame's zoom (layers.tiles.sql.generalised_cells), never a parcel, and without names;
- names are written only for the layers whose names the web map writes (front/map.py,
  labelled_layers: their features are public), as static/js/map/labels.js does: by kind,
  from its zoom, the more important winning a collision.

Geometry is clipped to the frame, simplified to half the written precision (0.1 mm) and
scaled to millimetres in PostGIS (ST_AsSVG), so a village sheet stays small. A sheet with more
features than MAX_FEATURES is refused (SheetTooLarge), never cut silently.
"""

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from front.map import labelled_layers
from front.sheets.frame import Frame
from front.sheets.styles import feature_style, point_radius, svg_paint, swatch_svg
from layers.models import GeometryType, Layer, public_reads
from layers.tiles.sql import generalised_cell_size, generalised_cells

MAX_FEATURES = 20000
# Millimetres drawn past the frame's edge, so a stroke does not end visibly at it.
CLIP_MARGIN_MM = 2
DRAW_ORDER = {GeometryType.POLYGON: 0, GeometryType.LINE: 1, GeometryType.POINT: 2}
# labels.js: from which zoom a kind is named, who wins a collision, the size of its letters.
LABEL_KINDS = {
    "seat": {"min_zoom": 0, "rank": 0, "size": 3.4},
    "village": {"min_zoom": 11, "rank": 1, "size": 3.0},
    "river": {"min_zoom": 12, "rank": 2, "size": 2.6},
    "road": {"min_zoom": 13, "rank": 3, "size": 2.6},
}
LABEL_GAP_MM = 1.0
# SVG text does not always inherit the page's font: name the Chinese one, or a Japanese
# face of the same family may be picked for the names.
LABEL_FONT = "Noto Sans CJK SC, Noto Sans SC, sans-serif"
LABEL_COLOURS = {"river": "#1d5f8a"}
LABEL_WEIGHT = {"seat": ' font-weight="bold"'}
_HALO = 'fill="#fff" stroke="#fff" stroke-width="0.6" stroke-linejoin="round"'


class SheetTooLarge(Exception):
    """More features in the frame than a sheet draws: the caller asks for a smaller area."""


@dataclass
class LegendRow:
    label: str
    swatch: SafeString


@dataclass
class DrawnLayer:
    layer: Layer
    rows: list[LegendRow] = field(default_factory=list)


@dataclass
class SheetMap:
    svg: SafeString
    layers: list[DrawnLayer]
    feature_count: int
    # Layers not drawn because the sheet shows less detail than their min_zoom: their tiles
    # are not served at this scale either (layers/tiles/views.py).
    too_detailed: list[Layer] = field(default_factory=list)
    # No basemap is drawn on the server (no network): the background is the plan's layers.
    has_basemap: bool = False

    @property
    def generalised_layers(self) -> list[Layer]:
        return [drawn.layer for drawn in self.layers if drawn.layer.is_generalised]

    @property
    def sources(self) -> list[Layer]:
        return [drawn.layer for drawn in self.layers]


def draw_map(frame: Frame, layers: list[Layer], *, label: str, outline_feature_id=None) -> SheetMap:
    """The SVG of ``layers`` (public layers of one plan) in ``frame``, named ``label`` for
    screen readers; the feature ``outline_feature_id`` (the village's area) gets a bold
    outline on top."""
    layers = sorted(layers, key=lambda layer: (DRAW_ORDER.get(layer.geometry_type, 0),))
    parts, drawn, outline, total = [], [], "", 0
    too_detailed = [layer for layer in layers if int(frame.web_zoom) < layer.min_zoom]
    layers = [layer for layer in layers if layer not in too_detailed]
    with public_reads().cursor() as cursor:
        for layer in layers:
            if layer.is_generalised:
                path = _generalised_path(cursor, frame, layer)
                shapes = [("", f'<path d="{path}"/>')] if path else []
            else:
                shapes, found_outline = _shapes(cursor, frame, layer, outline_feature_id)
                outline = outline or found_outline
            total += len(shapes)
            if total > MAX_FEATURES:
                raise SheetTooLarge(total)
            if shapes:  # the legend lists what the sheet shows
                parts.append(_layer_group(layer, shapes))
                drawn.append(DrawnLayer(layer, _legend_rows(layer, {cat for cat, _ in shapes})))
        labels = _labels(cursor, frame, layers)
    if outline:
        parts.append(f'<path class="sheet-outline" d="{outline}" {_OUTLINE_PAINT}/>')
    width, height = frame.width_mm, frame.height_mm
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sheet-map-svg" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" width="{width:.1f}mm" height="{height:.1f}mm" '
        f'role="img" aria-label="{escape(label)}"><defs><clipPath id="sheet-frame">'
        f'<rect width="{width:.1f}" height="{height:.1f}"/></clipPath></defs>'
        '<g clip-path="url(#sheet-frame)">'
        f'<rect width="{width:.1f}" height="{height:.1f}" fill="#fff"/>'
        + "".join(parts)
        + labels
        + "</g></svg>"
    )
    return SheetMap(mark_safe(svg), drawn, total, too_detailed)  # noqa: S308 (escaped piece by piece)


_OUTLINE_PAINT = 'fill="none" stroke="#111" stroke-width="0.8" stroke-linejoin="round"'


def _envelope_params(frame: Frame, margin_mm: float = CLIP_MARGIN_MM) -> dict:
    margin = margin_mm * frame.units_per_mm
    return {
        "xmin": frame.xmin - margin,
        "ymin": frame.ymin - margin,
        "xmax": frame.xmax + margin,
        "ymax": frame.ymax + margin,
        "x0": -frame.xmin,
        "y0": -frame.ymax,
        "k": 1 / frame.units_per_mm,
        "tolerance": frame.tolerance,
    }


_ENVELOPE = "ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 3857)"
# To millimetres from the frame's top left; ST_AsSVG writes y negated, so y grows downwards.
_TO_SHEET = "ST_TransScale({geom}, %(x0)s, %(y0)s, %(k)s, %(k)s)"

_SHAPES_SQL = f"""
    SELECT f.id, f.category,
           ST_AsSVG({_TO_SHEET.format(geom="ST_SimplifyPreserveTopology(ST_ClipByBox2D(f.geom_3857, " + _ENVELOPE + "), %(tolerance)s)")}, 0, 1)
    FROM layers_feature f
    WHERE f.revision_id = %(revision)s AND f.geom_3857 && {_ENVELOPE}
    ORDER BY f.id
    LIMIT %(limit)s
"""  # noqa: S608, E501 (module constants only)

_POINTS_SQL = f"""
    SELECT f.id, f.category, ST_X(p.geom), -ST_Y(p.geom)
    FROM layers_feature f,
         LATERAL ST_Dump({_TO_SHEET.format(geom="f.geom_3857")}) AS p
    WHERE f.revision_id = %(revision)s AND f.geom_3857 && {_ENVELOPE}
    ORDER BY f.id
    LIMIT %(limit)s
"""  # noqa: S608 (module constants only)


def _shapes(cursor, frame: Frame, layer: Layer, outline_id) -> tuple[list, str]:
    """[(category, svg element)] of the layer's features in the frame, and the path of
    ``outline_id`` when it is one of them."""
    params = _envelope_params(frame) | {
        "revision": layer.published_revision_id,
        "limit": MAX_FEATURES + 1,
    }
    shapes, outline = [], ""
    if layer.geometry_type == GeometryType.POINT:
        cursor.execute(_POINTS_SQL, params)
        for _id, category, x, y in cursor.fetchall():
            style = feature_style(layer, category)
            r = point_radius(style)
            shapes.append(
                (category, f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.2f}" {svg_paint(style)}/>')
            )
        return shapes, outline
    cursor.execute(_SHAPES_SQL, params)
    for feature_id, category, path in cursor.fetchall():
        if not path:
            continue
        shapes.append((category, f'<path d="{path}" {svg_paint(feature_style(layer, category))}/>'))
        if feature_id == outline_id:
            outline = path
    return shapes, outline


def _generalised_path(cursor, frame: Frame, layer: Layer) -> str:
    """The SVG path of the generalised cells of the layer in the frame, at the zoom the web
    map would show them (Frame.generalised_zoom)."""
    cell = generalised_cell_size(frame.generalised_zoom)
    sql = f"""
        SELECT ST_AsSVG({_TO_SHEET.format(geom="ST_Simplify(ST_SetSRID(ST_Union(ST_Square(%(cell)s, cells.i, cells.j)), 3857), %(cell_tolerance)s)")}, 0, 1)
        FROM ({generalised_cells(_ENVELOPE)}) AS cells
        HAVING count(*) > 0
    """  # noqa: S608, E501 (module constants only)
    params = _envelope_params(frame) | {
        "revision": layer.published_revision_id,
        "cell": cell,
        "cell_tolerance": cell / 8,
    }
    cursor.execute(sql, params)
    row = cursor.fetchone()
    return row[0] if row and row[0] else ""


def _layer_group(layer: Layer, shapes: list) -> str:
    if layer.is_generalised:
        style = feature_style(layer, "")
        body = "".join(element.replace("/>", f" {svg_paint(style)}/>") for _, element in shapes)
    else:
        body = "".join(element for _, element in shapes)
    return f'<g data-layer="{escape(layer.collection_id)}">{body}</g>'


def _legend_rows(layer: Layer, categories: set) -> list[LegendRow]:
    """The layer's legend, as the web legend has it: one row for the layer and, when it has
    several categories, one per category drawn on this sheet. A generalised layer shows no
    category (its tiles carry none)."""
    legend = layer.legend or []
    single = legend[0].get("value") if len(legend) == 1 else ""
    rows = [LegendRow(layer.title, _swatch(layer, single))]
    if len(legend) > 1 and not layer.is_generalised:
        for entry in legend:
            if str(entry.get("value")) in {str(category) for category in categories}:
                label = entry.get("label") or str(entry.get("value"))
                rows.append(LegendRow(label, _swatch(layer, entry.get("value"))))
    return rows


def _swatch(layer: Layer, category) -> SafeString:
    return mark_safe(swatch_svg(layer.geometry_type, feature_style(layer, category)))  # noqa: S308


_ANCHORS_SQL = f"""
    SELECT f.name, ST_X(a.geom), -ST_Y(a.geom), ST_Length(f.geom_3857)
    FROM layers_feature f,
         LATERAL (SELECT {_TO_SHEET.format(geom="ST_PointOnSurface(ST_ClipByBox2D(f.geom_3857, " + _ENVELOPE + "))")} AS geom) AS a
    WHERE f.revision_id = %(revision)s AND f.geom_3857 && {_ENVELOPE} AND f.name <> ''
    ORDER BY f.id
    LIMIT %(limit)s
"""  # noqa: S608, E501 (module constants only)


def _labels(cursor, frame: Frame, layers: list[Layer]) -> str:
    """The names of villages, the seat, rivers and roads, placed as labels.js places them."""
    labelled = labelled_layers(layers)
    candidates = []
    for layer in layers:
        kind = labelled.get(layer.collection_id, {}).get("kind")
        if not kind or frame.web_zoom < LABEL_KINDS[kind]["min_zoom"]:
            continue
        params = _envelope_params(frame, 0) | {
            "revision": layer.published_revision_id,
            "limit": MAX_FEATURES,
        }
        cursor.execute(_ANCHORS_SQL, params)
        best = {}
        for name, x, y, length in cursor.fetchall():
            if x is None or (name in best and best[name][2] >= length):
                continue  # one name per road or river, on its longest piece
            best[name] = (x, y, length)
        point = layer.geometry_type == GeometryType.POINT
        candidates += [(kind, name, x, y, point) for name, (x, y, _) in best.items()]
    candidates.sort(key=lambda candidate: LABEL_KINDS[candidate[0]]["rank"])
    taken, texts = [], []
    for kind, name, x, y, point in candidates:
        size = LABEL_KINDS[kind]["size"]
        width = size * len(name)
        left = x + size * 0.6 if point else x - width / 2
        box = (left, y - size * 0.9, left + width, y + size * 0.3)
        inside = (
            box[0] >= 0 and box[1] >= 0 and box[2] <= frame.width_mm and box[3] <= frame.height_mm
        )
        if not inside or any(_overlaps(box, other) for other in taken):
            continue
        taken.append(box)
        # A white halo first, then the name: paint-order is not known to every renderer.
        place = f'x="{left:.1f}" y="{y:.1f}" font-size="{size}"{LABEL_WEIGHT.get(kind, "")}'
        colour = LABEL_COLOURS.get(kind, "#111")
        texts.append(f'<text class="sheet-halo" {place} {_HALO}>{escape(name)}</text>')
        texts.append(f'<text class="sheet-label" {place} fill="{colour}">{escape(name)}</text>')
    return f'<g class="sheet-labels" font-family="{LABEL_FONT}">{"".join(texts)}</g>'


def _overlaps(a, b) -> bool:
    return not (
        a[2] + LABEL_GAP_MM < b[0]
        or b[2] + LABEL_GAP_MM < a[0]
        or a[3] + LABEL_GAP_MM < b[1]
        or b[3] + LABEL_GAP_MM < a[1]
    )
