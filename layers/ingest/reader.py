"""Reading one layer of an upload batch by batch, never the whole layer at once.

    with stream_layer(source, layer_name) as stream:
        for batch in stream.batches(columns=["BSM"]):          # a first, light pass
            ...
        for batch in stream.batches():                         # every field
            batch.offset, batch.geometries, batch.attributes, batch.unreadable

The upload is opened exactly as ``formats.read_layer`` opens it (its format's driver only,
in GDAL's sandbox) and copied by GDAL into a FlatGeobuf file in the scratch folder; pyogrio
then streams that copy as Arrow record batches (``open_arrow``), so memory follows the batch
size, not the layer: a million parcels read in the same ~100 MiB as fifty thousand. Each pass
reads the copy again from its start (a few hundred MB/s from the page cache).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio.raw
import shapely

from . import gdal, problems
from .formats import (
    DRIVERS,
    Source,
    SourceLayer,
    check_feature_count,
    chosen_layer,
)
from .problems import Problem

# Features per batch: large enough that numpy, shapely and COPY work in bulk, small enough
# that a batch of detailed polygons stays in tens of megabytes.
BATCH_SIZE = 5_000


@dataclass
class Batch:
    offset: int  # features before this batch: feature numbers are offset + index + 1
    geometries: np.ndarray  # shapely geometries in the source's coordinates; None if missing
    attributes: pd.DataFrame  # the fields read, as the file has them
    unreadable: dict[int, bytes]  # index in the batch -> WKB the reader could not build

    def __len__(self) -> int:
        return len(self.geometries)


@dataclass
class LayerStream:
    """One layer of an upload, as a FlatGeobuf copy that can be read again and again."""

    layer: SourceLayer
    path: Path
    fields: list[str]  # the layer's field names, in the file's order
    crs_wkt: str | None
    prj_text: str | None
    encoding: str | None
    problems: list[Problem] = field(default_factory=list)

    def batches(
        self, columns: list[str] | None = None, batch_size: int = BATCH_SIZE
    ) -> Iterator[Batch]:
        """The features in source order; ``columns`` limits the fields read (None: all)."""
        offset = 0
        with pyogrio.raw.open_arrow(
            self.path, columns=columns, batch_size=batch_size, use_pyarrow=True
        ) as (meta, reader):
            geometry_name = meta["geometry_name"] or "wkb_geometry"
            for record_batch in reader:
                wkbs = record_batch.column(geometry_name).to_numpy(zero_copy_only=False)
                rest = record_batch.drop_columns([geometry_name])
                attributes = (
                    rest.to_pandas()
                    if rest.num_columns
                    else pd.DataFrame(index=pd.RangeIndex(record_batch.num_rows))
                )
                # A geometry shapely cannot build (e.g. a ring starting with NaN) comes back
                # as None; its WKB is kept to say why (coordinates.check_coordinates).
                geometries = shapely.from_wkb(wkbs, on_invalid="ignore")
                absent = np.flatnonzero(shapely.is_missing(geometries))
                unreadable = {int(i): bytes(wkbs[i]) for i in absent if wkbs[i] is not None}
                yield Batch(offset, geometries, attributes, unreadable)
                offset += record_batch.num_rows


@contextmanager
def stream_layer(source: Source, layer_name: str | None = None) -> Iterator[LayerStream]:
    """Opens one layer (the only one, or the one named) for reading in batches; the copy is
    removed on leaving. Raises RejectedFile (also for more features than LAYER_MAX_FEATURES,
    before anything is read)."""
    layer, opening = chosen_layer(source, layer_name)
    dataset = layer.dataset
    found: list[Problem] = list(opening.problems)
    open_options, encoding, prj_text = opening.options, opening.encoding, opening.prj_text
    copy = source.workdir / f"stream-{os.getpid()}-{abs(hash(layer.name))}.fgb"
    try:
        try:
            with gdal.opened(dataset.path, DRIVERS[dataset.format], open_options) as handle:
                crs_wkt = gdal.layer_crs_wkt(handle, layer.gdal_name)
                gdal.copy_layer(handle, layer.gdal_name, copy)
            info = pyogrio.read_info(copy)
        except gdal.GdalError as exc:
            raise problems.RejectedFile(
                problems.error("unreadable", name=dataset.label, reason=str(exc))
            ) from exc
        count = int(info["features"])
        check_feature_count(count)  # the copy's own count: some drivers do not know theirs
        if count == 0:
            found.append(problems.warning("no_features"))
        fields = [str(name) for name in info["fields"]]
        yield LayerStream(layer, copy, fields, crs_wkt, prj_text, encoding, found)
    finally:
        copy.unlink(missing_ok=True)
