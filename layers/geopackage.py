"""The GeoPackage of a plan's public layers (``/plans/<slug>/layers.gpkg``).

What is in it: every layer whose features the public may download
(``Layer.objects.with_features()``: published, of a published plan, past the publish gate,
with the policy ``features``). Generalised (restricted) and tiles-only layers are left out
entirely, not even as their generalised cells: the public has those only as map tiles.

- One table per layer, named by its collection id (``-`` as ``_``), with the published
  revision's features, their attributes as columns and the ``SJZT`` mark (演示数据/示意/正式,
  layers/marks.py) on every feature. The table's identifier is the layer's title and its
  description the layer's description led by its data notice (gpkg_contents).
- A table ``layer_metadata`` (no geometry): per layer its table, title, description with the
  notice, source, publication note, data status and mark, section, code, revision, count.
- CRS: EPSG:4490 (CGCS2000) is declared. The coordinates are the ones the portal stores
  (EPSG:4326, longitude/latitude), written unchanged: CGCS2000 and WGS 84 differ by
  centimetres at plan scale and PROJ has no transformation between them (layers/ogc/crs.py).

Files live under MEDIA_ROOT/downloads/plan-<id>/, named by a fingerprint of what they hold (the
layers, their published revisions and their metadata), so a file is never stale under its
name: after a publish, a withdrawal or a settings change the fingerprint differs, and the file
is rebuilt by the job queued on commit (``queue_build``) or, failing that, on the next
request. A file is written under a temporary name and moved into place, so a reader never sees
half of one; older files of the plan are then removed.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.gis.db.models.functions import AsWKB
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from layers.marks import with_notice
from layers.models import DATA_MARK_FIELD, DATA_MARKS, Feature, Layer
from planportal.models import Plan

if TYPE_CHECKING:
    import geopandas
    import pandas

# geopandas, pandas and pyogrio are imported by the functions that write a file (the job
# worker, or a request that finds no file): at module level they cost every gunicorn worker
# about 175 MiB (layers/ingest/__init__.py says the same of the upload readers).

logger = logging.getLogger(__name__)

DECLARED_CRS = "EPSG:4490"
CONTENT_TYPE = "application/geopackage+sqlite3"
METADATA_TABLE = "layer_metadata"
# Bumped when what a file holds changes shape, so files of the old shape count as stale.
FORMAT_VERSION = 1
GEOPACKAGE_TASK = "layers.build_geopackage"
GEOPACKAGE_QUEUE = "downloads"
METADATA_DESCRIPTION = "公开图层的标题、说明、来源、发布说明、数据状态与章节。"
CRS_NOTE = (
    "坐标系声明为 CGCS2000（EPSG:4490）；坐标为门户存储的经纬度原值（WGS 84 与 CGCS2000 在规划"
    "尺度上相差厘米级），未作转换。"
)


@dataclass(frozen=True)
class Download:
    path: Path
    etag: str  # the fingerprint, quoted for the header by the view


def public_layers(plan: Plan) -> list[Layer]:
    return list(
        Layer.objects.with_features()
        .filter(plan=plan)
        .select_related("section", "published_revision")
        .order_by("position", "collection_id")
    )


def fingerprint(plan: Plan, layers: list[Layer]) -> str:
    facts = [
        FORMAT_VERSION,
        plan.pk,
        plan.slug,
        [
            [
                layer.pk,
                layer.published_revision_id,
                layer.collection_id,
                layer.code,
                layer.title,
                layer.description,
                layer.source_note,
                layer.publication_note,
                layer.data_mark,
                layer.is_approximate_boundary,
                layer.section.number if layer.section else "",
                layer.section.title if layer.section else "",
            ]
            for layer in layers
        ],
    ]
    encoded = json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def folder(plan: Plan) -> Path:
    return Path(settings.MEDIA_ROOT) / "downloads" / f"plan-{plan.pk}"


def current(plan: Plan) -> Download | None:
    """The plan's GeoPackage as its layers are now, built first when there is none yet for
    them; None when the plan has no layer with downloadable features."""
    layers = public_layers(plan)
    if not layers:
        _remove_all(folder(plan))
        return None
    stamp = fingerprint(plan, layers)
    target = folder(plan) / f"layers-{stamp}.gpkg"
    if not target.exists():
        _write(plan, layers, target)
        _remove_others(target)
    return Download(target, stamp)


def build(plan_id: int) -> Path | None:
    """What the job runs: the plan's file brought up to date (removed when the plan or its
    last downloadable layer went away)."""
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        return None
    if not plan.is_published:
        _remove_all(folder(plan))
        return None
    download = current(plan)
    return download.path if download else None


def queue_build(plan_id: int) -> None:
    """Queues the job that rebuilds the plan's file; one waits per plan at a time (a publish
    while one waits adds nothing: the waiting job reads the layers as they are when it runs).
    Called on commit of a publish or withdrawal (layers/revisions/publishing.py)."""
    deferrer = app.configure_task(
        GEOPACKAGE_TASK, queue=GEOPACKAGE_QUEUE, queueing_lock=f"{GEOPACKAGE_TASK}:{plan_id}"
    )
    with contextlib.suppress(AlreadyEnqueued):
        deferrer.defer(plan_id=plan_id)


# --- Writing --------------------------------------------------------------------------------


def table_name(layer: Layer) -> str:
    return layer.collection_id.replace("-", "_")


def _write(plan: Plan, layers: list[Layer], target: Path) -> None:
    import pyogrio

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}-{secrets.token_hex(6)}.partial.gpkg")
    try:
        for index, layer in enumerate(layers):
            frame = _features(layer)
            pyogrio.write_dataframe(
                frame,
                partial,
                layer=table_name(layer),
                driver="GPKG",
                append=index > 0,
                promote_to_multi=True,
                geometry_type=f"Multi{layer.geometry_type}",
                layer_options={
                    "IDENTIFIER": layer.title,
                    "DESCRIPTION": with_notice(layer.description, layer),
                },
            )
        pyogrio.write_dataframe(
            _metadata(plan, layers),
            partial,
            layer=METADATA_TABLE,
            driver="GPKG",
            append=True,
            layer_options={
                "IDENTIFIER": "图层说明",
                "DESCRIPTION": f"{plan.name}：{METADATA_DESCRIPTION}",
            },
        )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    logger.info("geopackage of %s written: %s layers, %s", plan.slug, len(layers), target.name)


def _features(layer: Layer) -> geopandas.GeoDataFrame:
    import geopandas

    rows = list(
        Feature.objects.filter(revision_id=layer.published_revision_id)
        .order_by("id")
        .annotate(wkb=AsWKB("geom"))
        .values_list("wkb", "properties")
    )
    geometries = geopandas.GeoSeries.from_wkb([bytes(row[0]) for row in rows], crs=DECLARED_CRS)
    properties = [_properties(row[1]) for row in rows]
    columns = _column_order(layer, properties)
    data = {name: _column([p.get(name) for p in properties]) for name in columns}
    data[DATA_MARK_FIELD] = [layer.data_mark] * len(rows)
    return geopandas.GeoDataFrame(data, geometry=geometries, crs=DECLARED_CRS)


def _properties(value) -> dict:
    if isinstance(value, str):  # a jsonb column read without Django's decoder
        value = json.loads(value)
    return value or {}


def _column_order(layer: Layer, properties: list[dict]) -> list[str]:
    """The schema's fields first, in its order, then any other attribute as first met; never
    the mark, which is written from the layer, nor a name GeoPackage reserves."""
    names = [entry["name"] for entry in layer.attribute_schema or [] if entry.get("name")]
    seen = set(names)
    for row in properties:
        for name in row:
            if name not in seen:
                seen.add(name)
                names.append(name)
    # SQLite compares column names without case: the first of BSM / bsm wins.
    taken = {DATA_MARK_FIELD.lower(), "fid", "geom", "geometry"}
    columns = []
    for name in names:
        if name.lower() not in taken:
            taken.add(name.lower())
            columns.append(name)
    return columns


def _column(values: list) -> list | pandas.Series:
    """One attribute as a column of one type: integers, numbers, or text (anything else, and
    mixed columns, as text; lists and objects as JSON)."""
    import pandas

    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pandas.Series(values, dtype="Int64")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pandas.Series(values, dtype="float64")
    return [None if v is None else _text(v) for v in values]


def _text(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _metadata(plan: Plan, layers: list[Layer]) -> pandas.DataFrame:
    import pandas

    generated = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    rows = []
    for layer in layers:
        section = layer.section
        rows.append(
            {
                "table_name": table_name(layer),
                "title": layer.title,
                "description": with_notice(layer.description, layer),
                "source": layer.source_note,
                "publication_note": layer.publication_note,
                # Data, not interface text: the same words in every language (layers/marks.py).
                "data_status": DATA_MARKS.get(layer.data_status, ""),
                "SJZT": layer.data_mark,
                "section": f"{section.number} {section.title}" if section else "",
                "layer_code": layer.code,
                "revision": layer.published_revision.number,
                "feature_count": layer.published_revision.feature_count,
                "plan": plan.name,
                "crs_note": CRS_NOTE,
                "generated_at": generated,
            }
        )
    return pandas.DataFrame(rows)


def _remove_others(keep: Path) -> None:
    for path in keep.parent.glob("layers-*.gpkg"):
        if path != keep:
            path.unlink(missing_ok=True)


def _remove_all(where: Path) -> None:
    if where.exists():
        for path in where.glob("layers-*.gpkg"):
            path.unlink(missing_ok=True)
