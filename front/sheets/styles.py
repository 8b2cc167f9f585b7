"""The style of a plan feature on paper: the rule of the web map (static/js/map/styles.js,
featureStyle) in Python, so a printed sheet looks like the map on the screen: the base style
of the geometry type, then the layer's style, then the style of the legend entry of the
feature's category."""

from django.utils.html import escape

BASE = {
    "Polygon": {"color": "#4b5563", "weight": 1.5, "fillColor": "#9ca3af", "fillOpacity": 0.35},
    "LineString": {"color": "#4b5563", "weight": 2.5},
    "Point": {
        "color": "#ffffff",
        "weight": 1.5,
        "fillColor": "#4b5563",
        "fillOpacity": 1,
        "radius": 6,
    },
}
# Screen pixels to millimetres on paper: a 2.5 px road is about 0.45 mm, as on a 1:10 000
# paper map; the factor keeps thin lines printable.
PX_TO_MM = 0.18


def legend_entry(layer, category) -> dict | None:
    if category is None or category == "":
        return None
    return next(
        (entry for entry in layer.legend or [] if str(entry.get("value")) == str(category)), None
    )


def feature_style(layer, category) -> dict:
    """featureStyle() of styles.js: the merged style with ``fill`` always set."""
    kind = layer.geometry_type
    entry = legend_entry(layer, category) or {}
    style = {**BASE.get(kind, BASE["Polygon"]), **(layer.style or {}), **(entry.get("style") or {})}
    if kind == "LineString":
        style["fill"] = False
    elif kind == "Polygon":
        style["fill"] = (
            style.get("fill") is not False and _number(style.get("fillOpacity"), 0.2) > 0
        )
    else:
        style["fill"] = True
    style["fillColor"] = style.get("fillColor") or style.get("color")
    return style


def _number(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _colour(value, default="none") -> str:
    """A colour from a layer's style, escaped for an attribute (planners type them)."""
    return escape(str(value)) if value else default


def svg_paint(style: dict) -> str:
    """The SVG presentation attributes of a path (in millimetres)."""
    width = _number(style.get("weight"), 1.5) * PX_TO_MM
    attributes = [
        f'stroke="{_colour(style.get("color"))}"',
        f'stroke-width="{width:.2f}"',
        f'stroke-opacity="{_number(style.get("opacity"), 1):.2f}"',
        'stroke-linejoin="round" stroke-linecap="round"',
    ]
    if style.get("dashArray"):
        dashes = " ".join(
            f"{_number(part, 1) * PX_TO_MM:.2f}"
            for part in str(style["dashArray"]).replace(",", " ").split()
        )
        attributes.append(f'stroke-dasharray="{dashes}"')
    if style.get("fill"):
        attributes.append(f'fill="{_colour(style.get("fillColor"))}"')
        attributes.append(f'fill-opacity="{_number(style.get("fillOpacity"), 0.2):.2f}"')
    else:
        attributes.append('fill="none"')
    return " ".join(attributes)


def point_radius(style: dict) -> float:
    return _number(style.get("radius"), 6) * PX_TO_MM


def swatch_svg(kind: str, style: dict) -> str:
    """A 22x16 picture of a style, as the web legend draws it (styles.js, swatch)."""
    stroke = _colour(style.get("color"))
    weight = min(_number(style.get("weight"), 1.5), 4)
    dash = ""
    if style.get("dashArray"):
        parts = str(style["dashArray"]).replace(",", " ").split()
        dash = ' stroke-dasharray="{}"'.format(
            " ".join(str(max(1, round(_number(n, 2) / 2))) for n in parts)
        )
    line = f'stroke="{stroke}" stroke-width="{weight}"{dash}'
    if kind == "LineString":
        shape = f'<line x1="1" y1="8" x2="21" y2="8" {line} stroke-linecap="round"/>'
    elif kind == "Point":
        fill = _colour(style.get("fillColor") or style.get("color"))
        opacity = _number(style.get("fillOpacity"), 1)
        shape = (
            f'<circle cx="11" cy="8" r="5.5" stroke="{stroke}" stroke-width="1.5"{dash} '
            f'fill="{fill}" fill-opacity="{opacity}"/>'
        )
    else:
        filled = style.get("fill") is not False
        fill = _colour(style.get("fillColor") or style.get("color")) if filled else "none"
        opacity = max(_number(style.get("fillOpacity"), 0.35), 0.25) if filled else 0
        shape = (
            f'<rect x="2" y="2" width="18" height="12" rx="1.5" {line} fill="{fill}" '
            f'fill-opacity="{opacity}"/>'
        )
    return (
        '<svg class="swatch" width="22" height="16" viewBox="0 0 22 16" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg">{shape}</svg>'
    )
