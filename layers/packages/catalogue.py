"""The standard layers of a 汇交 database (《市级国土空间总体规划数据库规范（试行）》) and how a
layer of a file is recognised as one of them: by its table name (XZQ, YJJBNT, ...), by a token
of it (``XZQ_2035``), or by the Chinese name it carries (``永久基本农田``). Each standard layer
brings the style a new layer starts with; 用地用海 takes the land-use palette (landuse.py).
"""

import re
from dataclasses import dataclass, field

from layers.ingest.landuse import landuse_codes, landuse_palette


@dataclass(frozen=True)
class StandardLayer:
    code: str
    name: str  # the standard's Chinese name, the new layer's title
    aliases: tuple[str, ...] = ()  # other Chinese names planners' files use
    style: dict = field(default_factory=dict)
    category_field: str = ""
    min_zoom: int = 0


# Colours by the drawing conventions of 《市级国土空间总体规划制图规范（试行）》 (docs/domain.md):
# 永久基本农田 yellow-gold, 生态保护红线 green, 城镇开发边界 a red dashed outline without fill.
STANDARD_LAYERS = (
    StandardLayer(
        "XZQ",
        "行政区",
        ("行政区划", "镇域范围", "规划范围"),
        {"color": "#4a3b6b", "weight": 2.5, "dashArray": "12 4 2 4", "fillOpacity": 0},
    ),
    StandardLayer(
        "YJJBNTCBQ",
        "永久基本农田储备区",
        (),
        {"color": "#b08d1a", "weight": 0.6, "fillColor": "#f7e3a1", "fillOpacity": 0.5},
        min_zoom=12,
    ),
    StandardLayer(
        "YJJBNT",
        "永久基本农田",
        ("基本农田",),
        {"color": "#c9a227", "weight": 0.6, "fillColor": "#f2d16b", "fillOpacity": 0.6},
        min_zoom=12,
    ),
    StandardLayer(
        "STBHHX",
        "生态保护红线",
        (),
        {"color": "#1a7f37", "weight": 2, "fillColor": "#4caf50", "fillOpacity": 0.3},
    ),
    StandardLayer(
        "CZKFBJ",
        "城镇开发边界",
        (),
        {"color": "#d7191c", "weight": 2.5, "dashArray": "8 5", "fillOpacity": 0},
    ),
    StandardLayer(
        "GHFQ",
        "规划分区",
        (),
        {"color": "#555555", "weight": 0.8, "fillColor": "#d9d9d9", "fillOpacity": 0.5},
        category_field="GHFQDM",
    ),
    StandardLayer(
        "YDYH",
        "用地用海",
        ("规划用地用海", "用地用海分类", "国土空间规划用地"),
        {"color": "#666666", "weight": 0.4, "fillColor": "#cccccc", "fillOpacity": 0.7},
        category_field="YDYHFLDM",
        min_zoom=12,
    ),
    StandardLayer(
        "HLFXKZX",
        "洪涝风险控制线",
        (),
        {"color": "#1f78b4", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.1},
    ),
    StandardLayer(
        "CZFL",
        "村庄分类",
        (),
        {"color": "#8c6d31", "weight": 1, "fillColor": "#e7cb94", "fillOpacity": 0.4},
    ),
    StandardLayer("XZC", "行政村", ("村庄",), {"color": "#333333", "radius": 5}),
)
BY_CODE = {layer.code: layer for layer in STANDARD_LAYERS}
# Chinese names, longest first, so 永久基本农田储备区 is not taken for 永久基本农田.
_NAMES = sorted(
    ((name, layer.code) for layer in STANDARD_LAYERS for name in (layer.name, *layer.aliases)),
    key=lambda pair: -len(pair[0]),
)
_TOKENS = re.compile(r"[A-Za-z]+")


def match_code(layer_name: str, known_codes: tuple[str, ...] = ()) -> str | None:
    """The standard (or plan) layer code a layer of a file stands for, or None.

    ``known_codes`` adds the codes of the plan's own layers (a catalogue may have more than
    the standard). A Latin token equal to a code wins (``XZQ``, ``yjjbnt_2035``); then a
    Chinese name contained in the layer's name."""
    codes = {*BY_CODE, *(code.upper() for code in known_codes if code)}
    for token in _TOKENS.findall(layer_name or ""):
        if token.upper() in codes:
            return token.upper()
    for name, code in _NAMES:
        if name in (layer_name or ""):
            return code
    return None


def standard_title(code: str, fallback: str) -> str:
    standard = BY_CODE.get(code.upper())
    return standard.name if standard else fallback


def new_layer_look(code: str, categories: list[str] | None = None) -> dict:
    """The style, legend, category field and minimum zoom a new layer of ``code`` starts with;
    a 用地用海 layer gets a legend entry per land-use code it holds, coloured by its class."""
    standard = BY_CODE.get(code.upper())
    if standard is None:
        return {}
    look = {"style": dict(standard.style), "min_zoom": standard.min_zoom}
    if standard.category_field:
        look["category_field"] = standard.category_field
    if code.upper() == "YDYH" and categories:
        names, palette = landuse_codes(), landuse_palette()
        look["legend"] = [
            {
                "value": value,
                "label": f"{value} {names.get(value, '')}".strip(),
                "style": {"fillColor": palette.get(value, standard.style["fillColor"])},
            }
            for value in sorted(categories)
        ]
    return look
