"""The words that travel with a layer's data mark (SJZT): the per-feature property, the notice
of a whole layer and the keywords of its metadata.

They are data, not interface text: the same bytes in every language, so that a feature saved
from the OGC API, a tile or TileJSON says what it is wherever it ends up, and so that answers
cached by revision (OGC items) need no per-language variant.
"""

import json

from layers.models import DATA_MARK_FIELD, DATA_MARKS, DEMO_MARK, DataStatus, Layer

SCHEMATIC_MARK = DATA_MARKS[DataStatus.SCHEMATIC]
# The label of a township outline that is not the legal boundary (issue 10, item 3).
APPROXIMATE_BOUNDARY_LABEL = "示意范围（非法定界线）"

_NOTICES = {
    DEMO_MARK: "演示数据（示意）：合成的示意数据，不是批准的规划成果，以批准成果为准。",
    SCHEMATIC_MARK: "示意数据：不是法定的规划成果，以批准成果为准。",
}
_KEYWORDS = {DEMO_MARK: [DEMO_MARK, SCHEMATIC_MARK], SCHEMATIC_MARK: [SCHEMATIC_MARK]}


def data_notice(layer: Layer) -> str:
    """What a whole layer is, in one sentence; blank for official layers and unsaid ones."""
    notice = _NOTICES.get(layer.data_mark, "")
    if layer.is_approximate_boundary:
        notice += f"{APPROXIMATE_BOUNDARY_LABEL}。"
    return notice


def with_notice(description: str, layer: Layer) -> str:
    """The layer's description led by its notice, for metadata documents."""
    notice = data_notice(layer)
    return f"{notice}{description}" if notice else description


def keywords(layer: Layer) -> list[str]:
    """Keywords of the layer's metadata: its mark (演示数据 also says 示意), and the boundary
    label for an approximate township outline."""
    words = list(_KEYWORDS.get(layer.data_mark, [layer.data_mark] if layer.data_mark else []))
    if layer.is_approximate_boundary:
        words.append(APPROXIMATE_BOUNDARY_LABEL)
    return words


def mark_properties(layer: Layer) -> str:
    """The JSON object merged into every feature's properties: {"SJZT": mark}, or {} when the
    layer has no mark. Passed to SQL as a parameter (``properties || %s::jsonb``)."""
    mark = layer.data_mark
    return json.dumps({DATA_MARK_FIELD: mark} if mark else {}, ensure_ascii=False)
