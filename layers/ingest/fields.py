"""From the file's field names to the layer's.

Planners' files use the standard upper-case names of the 国土空间规划 database specifications
(BSM, YSDM, XZQDM, ..., YDYHFLDM) in any letter case, sometimes their Chinese names (标识码,
地类编码). These map to the layer's attribute schema (and to the standard names themselves when
the schema does not list them) without being asked; any other field can be mapped explicitly
with ``{source_field: target_field}``.

Properties keep every original field exactly as the file has it. A mapped field whose target
name differs is ADDED under the target name (the original stays), so the portal finds "BSM"
and the planner still finds "bsm" or "标识码". An explicit mapping wins over the automatic one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import problems
from .problems import Problem

# Standard field -> Chinese names seen in planners' files.
STANDARD_FIELDS: dict[str, tuple[str, ...]] = {
    "BSM": ("标识码",),
    "YSDM": ("要素代码",),
    "XZQDM": ("行政区代码", "行政区划代码", "行政区划码"),
    "XZQMC": ("行政区名称", "行政区划名称"),
    "MJ": ("面积",),
    "TBMJ": ("图斑面积",),
    "TBBH": ("图斑编号",),
    "YDYHFLDM": ("用地用海分类代码", "用地用海代码", "用地用海分类编码"),
    "YDYHFLMC": ("用地用海分类名称", "用地用海名称"),
    "GHFQDM": ("规划分区代码",),
    "GHFQMC": ("规划分区名称",),
    "DLBM": ("地类编码", "地类代码"),
    "DLMC": ("地类名称",),
    "ZLDWDM": ("坐落单位代码",),
    "ZLDWMC": ("坐落单位名称",),
    "QSDWDM": ("权属单位代码",),
    "QSDWMC": ("权属单位名称",),
    "QSXZ": ("权属性质",),
    "GDLX": ("耕地类型",),
    "GDDB": ("耕地等别",),
    "BZ": ("备注",),
}


@dataclass(frozen=True)
class FieldMapping:
    mapping: dict[str, str]  # source field -> target field, only for fields that map
    unmapped: list[str]  # source fields that map to nothing (kept as they are)
    problems: list[Problem] = field(default_factory=list)

    def target_of(self, source: str) -> str | None:
        return self.mapping.get(source)

    @property
    def targets(self) -> dict[str, str]:
        """target field -> source field"""
        return {target: source for source, target in self.mapping.items()}


def map_fields(
    source_fields: Iterable[str],
    schema: list[dict],
    explicit: Mapping[str, str] | None = None,
) -> FieldMapping:
    """Which source field feeds which target field."""
    sources = list(source_fields)
    targets = _targets(schema)
    mapping: dict[str, str] = {}
    found: list[Problem] = []
    for source, target in (explicit or {}).items():
        if source not in sources:
            found.append(problems.error("mapping_unknown_field", field=source))
            continue
        mapping[source] = target
    taken = set(mapping.values())
    # Exact names first, then other letter cases, then the Chinese aliases.
    for matches in (_same_name, _same_name_any_case, _alias):
        for target in targets:
            if target in taken:
                continue
            source = next(
                (s for s in sources if s not in mapping and matches(s, target)),
                None,
            )
            if source is not None:
                mapping[source] = target
                taken.add(target)
    unmapped = [s for s in sources if s not in mapping]
    return FieldMapping(mapping, unmapped, found)


def _targets(schema: list[dict]) -> list[str]:
    names = [item["name"] for item in schema if item.get("name")]
    known = {name.casefold() for name in names}
    return names + [name for name in STANDARD_FIELDS if name.casefold() not in known]


def _same_name(source: str, target: str) -> bool:
    return source == target


def _same_name_any_case(source: str, target: str) -> bool:
    return source.strip().casefold() == target.casefold()


def _alias(source: str, target: str) -> bool:
    return source.strip() in STANDARD_FIELDS.get(target.upper(), ())
