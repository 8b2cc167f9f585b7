"""Checking and writing a layer batch by batch: memory stays flat however large the layer.

The same checks as ``prepare.prepare_raw_layer`` (they are the same functions, run on each
batch with the feature numbers shifted), in two streaming passes over the upload's copy
(reader.py), then the checks that need the whole layer in the database:

1. a light pass (geometry and key only): unusable coordinates (NaN, infinity, 1e308), the
   data's bounds (to recognise the coordinate system), the geometry types (a new layer takes
   the dominant one) and the vertex count (to spread the GCJ-02 samples over the file);
2. every field: geometry validity and repair, transformation to EPSG:4326, plan area,
   required fields, land-use codes, empty keys, GCJ-02 samples; each batch goes straight
   into one COPY to the feature table (PostgreSQL computes the EPSG:3857 copy and indexes a
   batch while Python checks the next), and its keys into a scratch file;
3. in the database: duplicate keys (GROUP BY ... HAVING count(*) > 1 over the keys, with
   their feature numbers), then the GCJ-02 comparison with the published revision.

All of it runs in one transaction: when any check finds an error, the revision and its
features are rolled back (``Rejected``), so nothing half-written is ever visible and the
published revision is untouched. Once an error is known, later batches are checked but no
longer written.
"""

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from django.contrib.gis.geos import Polygon
from django.db import connection, transaction

from layers.models import Layer, LayerRevision
from layers.summary import SummaryTally

from . import checks, problems
from .ahead import ahead
from .coordinates import check_coordinates
from .crs import recognise_crs
from .fields import FieldMapping, map_fields
from .gcj02 import MAX_SAMPLES, gcj02_verdict, named_point_tally
from .prepare import (
    PreparedLayer,
    Progress,
    layer_plan_area,
    mapped_attributes,
    to_4326,
    to_shapely,
)
from .problems import ManyFeatures, Problem, ProblemLog
from .reader import Batch, LayerStream
from .write import copy_features, copy_rows, escape, finish_revision, start_revision

KEYS_TABLE = "ingest_keys"


class Rejected(Exception):  # noqa: N818 (a verdict, raised to roll the transaction back)
    """An error was found after writing began: the transaction is rolled back."""


@dataclass
class Survey:
    """What the light first pass found."""

    count: int
    refused: np.ndarray  # per feature: its coordinates are unusable, it is refused
    coordinate_problems: list[Problem]
    bounds: tuple[float, float, float, float] | None  # of the usable geometries, as stored
    families: Counter  # layer geometry type -> features
    vertices: int  # of the usable geometries

    @property
    def dominant_geometry_type(self) -> str:
        return checks.dominant_family(self.families)


def key_column(mapping: FieldMapping, fields: list[str], key_field: str) -> str | None:
    """The file's field the layer's key is read from (mapped or under its own name)."""
    if not key_field:
        return None
    source = mapping.targets.get(key_field)
    if source is None and key_field in fields:
        source = key_field
    return source


def survey(stream: LayerStream, key_source: str | None) -> Survey:
    refused_parts, found = [], []
    families: Counter = Counter()
    lows, highs = np.full(2, np.inf), np.full(2, -np.inf)
    vertices = count = 0
    for batch in ahead(stream.batches(columns=[key_source] if key_source else [])):
        keys = checks.key_values(batch.attributes, key_source or "")
        refused, coordinate_problems = check_coordinates(batch.geometries, batch.unreadable, keys)
        found += shifted(coordinate_problems, batch.offset)
        usable = batch.geometries[~refused]
        usable = usable[~(shapely.is_missing(usable) | shapely.is_empty(usable))]
        if len(usable):
            bounds = shapely.total_bounds(usable)
            lows, highs = np.minimum(lows, bounds[:2]), np.maximum(highs, bounds[2:])
            vertices += int(shapely.get_num_coordinates(usable).sum())
            families += checks.family_counts(usable)
        refused_parts.append(refused)
        count += len(batch)
    refused = np.concatenate(refused_parts) if refused_parts else np.zeros(0, dtype=bool)
    bounds = (*lows, *highs) if np.isfinite(lows).all() else None
    return Survey(count, refused, found, bounds, families, vertices)


def shifted(found: list[Problem | ManyFeatures], offset: int) -> list[Problem | ManyFeatures]:
    """Problems of a batch, numbered as features of the whole file."""
    if not offset:
        return found
    return [_shifted(problem, offset) for problem in found]


def _shifted(problem: Problem | ManyFeatures, offset: int) -> Problem | ManyFeatures:
    if isinstance(problem, ManyFeatures):
        return dataclasses.replace(problem, offset=problem.offset + offset)
    if problem.feature is None:  # a problem of the file or of a field
        return problem
    return dataclasses.replace(problem, feature=problem.feature + offset)


@dataclass
class _Gathered:
    """What the checking pass keeps across batches (all of it small)."""

    bounds: list[float]  # west, south, east, north in EPSG:4326
    samples: list[np.ndarray]  # GCJ-02 sample vertices
    sample_at: np.ndarray  # which vertices (counted over the file) are samples
    vertices_seen: int = 0
    shifted: list[str] = dataclasses.field(default_factory=list)
    at_true_place: int = 0
    padded: set = dataclasses.field(default_factory=set)
    written: int = 0
    tally: SummaryTally = dataclasses.field(default_factory=SummaryTally)  # of what is written
    # A 64-bit hash of every key (8 bytes a feature, filled up to ``keys_hashed``): when no
    # two agree, no key repeats and PostgreSQL need not group the keys (2 s per million
    # after the COPY).
    key_hashes: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0, np.int64))
    keys_hashed: int = 0

    def hash_keys(self, keys: list[str | None]) -> None:
        hashes = np.fromiter((hash(key) for key in keys if key is not None), dtype=np.int64)
        end = self.keys_hashed + len(hashes)
        if end > len(self.key_hashes):  # sized from the survey's count: only if it was wrong
            self.key_hashes = np.resize(self.key_hashes, max(end, 2 * len(self.key_hashes)))
        self.key_hashes[self.keys_hashed : end] = hashes
        self.keys_hashed = end

    @property
    def may_repeat_keys(self) -> bool:
        hashes = self.key_hashes[: self.keys_hashed]
        hashes.sort()  # in place: no copy of a million keys' hashes
        return bool((hashes[1:] == hashes[:-1]).any())


def ingest_stream(
    layer: Layer,
    stream: LayerStream,
    *,
    source_name: str,
    checksum: str,
    field_mapping: dict[str, str] | None,
    changed_fields: list[str],
    created_by=None,
    progress: Progress | None = None,
    on_prepared: Callable[[PreparedLayer], None] | None = None,
    on_written: Callable[[Layer, LayerRevision], None] | None = None,
) -> tuple[PreparedLayer, LayerRevision | None]:
    """Checks ``stream`` for ``layer`` and writes it as the layer's next revision in one
    transaction (with the layer's ``changed_fields``, and ``on_written`` inside it); returns
    the checked layer and the revision, or None when an error rejected it (nothing written).
    ``on_prepared`` sees the problems found before the first row is written (the file's,
    the coordinate system's, unusable coordinates); the rest are in the returned layer's
    log. Raises RejectedFile for problems of the whole file (coordinate system)."""
    report = progress or _silent
    log = ProblemLog(list(stream.problems))
    area = layer_plan_area(layer)
    plan_extent = to_shapely(area.geometry)
    mapping = map_fields(stream.fields, layer.attribute_schema or [], field_mapping)
    key_field = layer.key_field or ""
    found = survey(stream, key_column(mapping, stream.fields, key_field))
    if layer.pk is None:  # a new layer: its kind is what most of its features are
        layer.geometry_type = found.dominant_geometry_type
    report("reading", 1, 1)
    try:
        recognised = recognise_crs(stream.crs_wkt, found.bounds, plan_extent, stream.prj_text)
    except problems.RejectedFile as rejected:  # keep what was found before (e.g. encoding)
        raise problems.RejectedFile(
            [*log.problems, *found.coordinate_problems, *rejected.problems]
        ) from None
    if recognised.problem:
        log.add(recognised.problem)
    log.extend(mapping.problems)
    log.extend(found.coordinate_problems)
    prepared = PreparedLayer(
        source_name=source_name,
        checksum=checksum,
        layer_name=stream.layer.name,
        source_crs=recognised.label,
        encoding=stream.encoding,
        geometry_type=layer.geometry_type,
        frame=None,
        field_mapping=mapping,
        key_field=key_field,
        log=log,
        count=found.count,
    )
    gathered = _Gathered(
        bounds=[math.inf, math.inf, -math.inf, -math.inf],
        samples=[],
        sample_at=_sample_positions(found.vertices),
        key_hashes=np.empty(found.count, np.int64),
    )
    keys_path = stream.path.with_suffix(".keys")
    created = layer.pk is None
    try:
        with transaction.atomic():
            if changed_fields and not created:
                layer.save(update_fields=changed_fields)
            revision = start_revision(
                layer,
                source_name=source_name,
                source_crs=recognised.label,
                checksum=checksum,
                created_by=created_by,
            )
            # Checks and writes go together from here: the job shows "writing" (the COPY may
            # wait for a lock on the feature table before its first row).
            report("checking", found.count, found.count)
            if on_prepared is not None:  # what is known before the first row is written
                on_prepared(prepared)
            report("writing", 0, found.count)
            with keys_path.open("w", encoding="utf-8") as keys_file:
                rows = _checked_rows(
                    stream, found, prepared, area.official, plan_extent, recognised,
                    revision.pk, layer, gathered, keys_file, report,
                )  # fmt: skip
                copy_features(rows)
            if key_field and key_field in _columns(stream, mapping) and gathered.may_repeat_keys:
                log.extend(duplicate_keys(keys_path, key_field))
            samples = np.vstack(gathered.samples) if gathered.samples else np.empty((0, 2))
            log.extend(
                gcj02_verdict(
                    samples, layer.published_revision_id, gathered.shifted, gathered.at_true_place
                )
            )
            if log.has_errors:
                raise Rejected
            finish_revision(
                revision, gathered.written, _extent(gathered.bounds), log.stored(), gathered.tally
            )
            report("writing", found.count, found.count)
            if on_written is not None:
                on_written(layer, revision)
    except Rejected:
        if created:  # the row was rolled back with the transaction
            layer.pk = None
        return prepared, None
    finally:
        keys_path.unlink(missing_ok=True)
    return prepared, revision


def _checked_rows(
    stream: LayerStream,
    found: Survey,
    prepared: PreparedLayer,
    official: bool,
    plan_extent,
    recognised,
    revision_id: int,
    layer: Layer,
    gathered: _Gathered,
    keys_file,
    report: Progress,
) -> Iterator[str]:
    """The second pass: each batch checked, and its rows for COPY while the file is clean."""
    log, kind, schema = prepared.log, prepared.geometry_type, layer.attribute_schema or []
    key_field = prepared.key_field
    seen_any = False

    def checked() -> Iterator[tuple]:
        for batch in stream.batches():
            refused = found.refused[batch.offset : batch.offset + len(batch)]
            yield batch, *_check_batch(
                batch, refused, prepared.field_mapping, kind, schema, key_field, recognised,
                plan_extent, official, gathered, first=batch.offset == 0,
            )  # fmt: skip

    # The next batch is read and checked in a thread while this one is encoded and copied.
    for batch, attributes, keys, geometries, batch_problems in ahead(checked()):
        seen_any = True
        log.extend(shifted(batch_problems, batch.offset))
        keys_file.write(_numbered_keys(keys, batch.offset))
        gathered.hash_keys(keys)
        _gather(gathered, geometries, attributes)
        report("writing", batch.offset + len(batch), found.count)
        if log.has_errors:
            continue  # the file is rejected: check the rest, write nothing more
        gathered.written += len(batch)
        yield copy_rows(revision_id, layer, geometries, attributes, gathered.tally)
    if not seen_any:  # a layer without features still lacks its required fields
        empty = pd.DataFrame(columns=stream.fields)
        log.extend(checks.check_required_fields(empty, schema, []))


def _check_batch(
    batch: Batch,
    refused: np.ndarray,
    mapping: FieldMapping,
    kind: str,
    schema: list[dict],
    key_field: str,
    recognised,
    plan_extent,
    official: bool,
    gathered: _Gathered,
    *,
    first: bool,
) -> tuple[pd.DataFrame, list[str | None], np.ndarray, list[Problem]]:
    notes = ProblemLog()
    attributes = mapped_attributes(batch.attributes, mapping, notes)
    found = [
        p for p in notes.problems if (p.code, p.field) not in gathered.padded
    ]  # "leading zeros restored" once per field, not once per batch
    gathered.padded |= {(p.code, p.field) for p in found}
    keys = checks.key_values(attributes, key_field)
    geometries = np.where(refused, None, batch.geometries)
    geometry_check = checks.check_geometries(geometries, kind, keys, refused=refused)
    found += geometry_check.problems
    in_4326 = to_4326(geometry_check.geometries, recognised)
    found += checks.check_extent(in_4326, plan_extent, keys, official=official)
    required = checks.check_required_fields(attributes, schema, keys)
    found += [p for p in required if first or p.code != "field_missing"]
    found += checks.check_landuse_codes(attributes, keys)
    found += [
        p for p in checks.check_keys_present(attributes, key_field, keys) if first or p.feature
    ]
    return attributes, keys, in_4326, found


def _numbered_keys(keys: list[str | None], offset: int) -> str:
    """Feature number and key of each feature that has a key, in COPY's text format."""
    present = [(number, key) for number, key in enumerate(keys, offset + 1) if key is not None]
    text = "".join(key for _, key in present)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:  # rare: escape
        present = [(number, escape(key)) for number, key in present]
    return "".join(map("%d\t%s\n".__mod__, present))


def _gather(gathered: _Gathered, geometries: np.ndarray, attributes: pd.DataFrame) -> None:
    """The batch's share of the extent and of the GCJ-02 evidence."""
    present = geometries[~(shapely.is_missing(geometries) | shapely.is_empty(geometries))]
    if not len(present):
        return
    west, south, east, north = shapely.total_bounds(present)
    b = gathered.bounds
    gathered.bounds = [min(b[0], west), min(b[1], south), max(b[2], east), max(b[3], north)]
    coordinates = shapely.get_coordinates(present)
    start, stop = gathered.vertices_seen, gathered.vertices_seen + len(coordinates)
    wanted = gathered.sample_at[(gathered.sample_at >= start) & (gathered.sample_at < stop)]
    if len(wanted):
        gathered.samples.append(coordinates[wanted - start])
    gathered.vertices_seen = stop
    shifted_names, at_true_place = named_point_tally(geometries, attributes)
    gathered.shifted += shifted_names
    gathered.at_true_place += at_true_place


def _sample_positions(vertices: int) -> np.ndarray:
    """The vertices (counted over the file) the GCJ-02 check samples, as _sample_vertices
    picks them from a whole layer."""
    if vertices <= MAX_SAMPLES:
        return np.arange(vertices)
    return np.linspace(0, vertices - 1, MAX_SAMPLES).astype(int)


def duplicate_keys(keys_path: Path, key_field: str) -> list[Problem]:
    """Keys held by more than one feature, found by PostgreSQL over every key of the file:
    each later holder is an error naming the first."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {KEYS_TABLE}")
        cursor.execute(f"CREATE TEMP TABLE {KEYS_TABLE} (feature integer, key text)")
        raw = cursor.cursor
        with keys_path.open(encoding="utf-8") as keys:
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(f"COPY {KEYS_TABLE} FROM STDIN", keys)
            else:
                with raw.copy(f"COPY {KEYS_TABLE} FROM STDIN") as copy:
                    while chunk := keys.read(1024 * 1024):
                        copy.write(chunk)
        cursor.execute(
            f"SELECT key, array_agg(feature ORDER BY feature) FROM {KEYS_TABLE} "  # noqa: S608
            "GROUP BY key HAVING count(*) > 1"
        )
        groups = cursor.fetchall()
        cursor.execute(f"DROP TABLE {KEYS_TABLE}")
    found = [
        problems.error(
            "key_duplicate", field=key_field, value=key, first=features[0], feature=number, key=key
        )
        for key, features in groups
        for number in features[1:]
    ]
    return sorted(found, key=lambda p: p.feature)


def _columns(stream: LayerStream, mapping: FieldMapping) -> set[str]:
    return set(stream.fields) | set(mapping.mapping.values())


def _extent(bounds: list[float]) -> Polygon | None:
    if not all(math.isfinite(v) for v in bounds):
        return None
    polygon = Polygon.from_bbox(tuple(bounds))
    polygon.srid = 4326
    return polygon


def _silent(stage: str, done: int, total: int) -> None:
    return None
