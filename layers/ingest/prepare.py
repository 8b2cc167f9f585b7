"""From an opened upload to a checked layer, ready to be written: the pipeline's middle.

    with open_source(path, name="用地.zip") as source:
        prepared = prepare_layer(layer, source, layer_name=None, progress=report)
        if not prepared.rejected:
            revision = write_revision(layer, prepared, created_by=user, progress=report)

Problems of the whole file (format, coordinate system, the layer to pick) raise RejectedFile;
problems of features are collected in ``prepared.log`` so the planner sees all of them at
once, and any error among them rejects the file.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from layers.boundary import PlanArea, plan_area
from layers.models import Layer

from . import checks, problems
from .coordinates import check_coordinates
from .crs import RecognisedCrs, recognise_crs
from .fields import FieldMapping, map_fields
from .formats import RawLayer, Source, read_layer
from .gcj02 import check_gcj02
from .landuse import LANDUSE_CODE_FIELDS, code_text
from .problems import Problem

# progress(stage, done, total): stages "reading", "checking", "writing". A callback may raise
# (for example when the job was cancelled): the pipeline stops and writes nothing.
Progress = Callable[[str, int, int], None]


@dataclass
class PreparedLayer:
    source_name: str
    checksum: str
    layer_name: str  # the layer picked in the upload
    source_crs: str  # "EPSG:4546"
    encoding: str | None
    geometry_type: str  # the kind the features were checked against
    # EPSG:4326; the original fields plus the mapped ones. None when the layer was checked
    # and written batch by batch (layers/ingest/streaming.py): ``count`` says how many.
    frame: gpd.GeoDataFrame | None
    field_mapping: FieldMapping
    key_field: str
    log: problems.ProblemLog
    count: int | None = None

    @property
    def rejected(self) -> bool:
        return self.log.has_errors

    @property
    def feature_count(self) -> int:
        return len(self.frame) if self.frame is not None else int(self.count or 0)

    @property
    def problems(self) -> list[Problem]:
        return self.log.problems


def prepare_layer(
    layer: Layer,
    source: Source,
    *,
    layer_name: str | None = None,
    field_mapping: Mapping[str, str] | None = None,
    geometry_type: str | None = None,
    progress: Progress | None = None,
) -> PreparedLayer:
    """Reads, recognises, maps and checks one layer of ``source`` for ``layer`` (which may be
    a new, unsaved Layer). ``geometry_type`` overrides the layer's (for a new layer, take it
    from ``checks.dominant_geometry_type``)."""
    report = progress or _silent
    report("reading", 0, 1)
    raw = read_layer(source, layer_name)
    report("reading", 1, 1)
    return prepare_raw_layer(
        layer,
        raw,
        source_name=source.name,
        checksum=source.checksum,
        field_mapping=field_mapping,
        geometry_type=geometry_type,
        progress=report,
    )


def prepare_raw_layer(
    layer: Layer,
    raw: RawLayer,
    *,
    source_name: str,
    checksum: str,
    field_mapping: Mapping[str, str] | None = None,
    geometry_type: str | None = None,
    progress: Progress | None = None,
) -> PreparedLayer:
    report = progress or _silent
    log = problems.ProblemLog(list(raw.problems))
    geometries = np.asarray(raw.frame.geometry.array, dtype=object)
    total = len(geometries)
    report("checking", 0, total)
    area = layer_plan_area(layer)
    plan_extent = to_shapely(area.geometry)

    mapping = map_fields(
        [c for c in raw.frame.columns if c != raw.frame.geometry.name],
        layer.attribute_schema or [],
        field_mapping,
    )
    attributes = mapped_attributes(
        pd.DataFrame(raw.frame.drop(columns=raw.frame.geometry.name)), mapping, log
    )
    key_field = layer.key_field or ""
    keys = checks.key_values(attributes, key_field)
    # Before anything computes with them (the bounds that recognise the coordinate system,
    # the repair that would drop a NaN vertex): features with unusable coordinates are
    # refused and left out of the rest.
    refused, coordinate_problems = check_coordinates(geometries, raw.unreadable, keys)
    geometries = np.where(refused, None, geometries)

    try:
        recognised = recognise_crs(raw.crs_wkt, _bounds(geometries), plan_extent, raw.prj_text)
    except problems.RejectedFile as rejected:  # keep what was found before (e.g. encoding)
        raise problems.RejectedFile(
            [*log.problems, *coordinate_problems, *rejected.problems]
        ) from None
    if recognised.problem:
        log.add(recognised.problem)
    log.extend(mapping.problems)
    log.extend(coordinate_problems)

    kind = geometry_type or layer.geometry_type
    geometry_check = checks.check_geometries(geometries, kind, keys, refused=refused)
    log.extend(geometry_check.problems)
    in_4326 = to_4326(geometry_check.geometries, recognised)
    log.extend(checks.check_extent(in_4326, plan_extent, keys, official=area.official))
    # GCJ-02 (高德/腾讯 exports) passes every check above, ~550 m off: compare with what is known.
    log.extend(check_gcj02(in_4326, layer.published_revision_id, attributes))
    log.extend(checks.check_required_fields(attributes, layer.attribute_schema or [], keys))
    log.extend(checks.check_landuse_codes(attributes, keys))
    log.extend(checks.check_keys(attributes, key_field, keys))
    report("checking", total, total)

    frame = gpd.GeoDataFrame(attributes, geometry=in_4326, crs=4326)
    return PreparedLayer(
        source_name=source_name,
        checksum=checksum,
        layer_name=raw.layer.name,
        source_crs=recognised.label,
        encoding=raw.encoding,
        geometry_type=kind,
        frame=frame,
        field_mapping=mapping,
        key_field=key_field,
        log=log,
    )


def mapped_attributes(
    attributes: pd.DataFrame, mapping: FieldMapping, log: problems.ProblemLog
) -> pd.DataFrame:
    """The original fields as they are, plus each mapped field under its target name."""
    for source, target in mapping.mapping.items():
        if source != target:
            attributes[target] = attributes[source]
    for name in LANDUSE_CODE_FIELDS:
        if name not in attributes.columns:
            continue
        column = attributes[name]
        if pd.api.types.is_numeric_dtype(column) and column.notna().any():
            log.add(problems.warning("landuse_code_padded", field=name))
        attributes[name] = pd.Series(_code_texts(column.tolist()), index=column.index, dtype=object)
    return attributes


def _code_texts(values: list) -> list[str | None]:
    """code_text of each value, once per distinct text (a column repeats a few codes)."""
    texts: dict[str, str | None] = {}
    out = []
    for value in values:
        if type(value) is str:
            if value in texts:
                out.append(texts[value])
            else:
                out.append(texts.setdefault(value, code_text(value)))
        else:
            out.append(code_text(value))
    return out


def to_4326(geometries: np.ndarray, recognised: RecognisedCrs) -> np.ndarray:
    # CGCS2000 and WGS 84 coordinates are the same at plan scale (and PROJ agrees).
    if recognised.epsg in (4326, 4490):
        return geometries
    transformer = _transformer_to_4326(recognised.epsg or recognised.crs.to_wkt())
    # x and y as separate arrays, as PROJ takes and gives them: no copies to pair them.
    return shapely.transform(geometries, transformer.transform, interleaved=False)


@cache
def _transformer_to_4326(source: int | str) -> Transformer:
    """Building a transformation costs ~60 ms; a worker reuses it for every upload."""
    return Transformer.from_crs(source, 4326, always_xy=True)


def _bounds(geometries: np.ndarray) -> tuple[float, float, float, float] | None:
    present = geometries[~(shapely.is_missing(geometries) | shapely.is_empty(geometries))]
    if len(present) == 0:
        return None
    return tuple(float(v) for v in shapely.total_bounds(present))


def layer_plan_area(layer: Layer) -> PlanArea:
    """The official township boundary (firm checks), else the approximate extent."""
    if not layer.plan_id:
        return PlanArea(None, official=False)
    return plan_area(layer.plan)


def to_shapely(geometry) -> shapely.Geometry | None:
    if geometry is None:
        return None
    return shapely.from_wkb(bytes(geometry.transform(4326, clone=True).wkb))


def _silent(stage: str, done: int, total: int) -> None:
    return None
