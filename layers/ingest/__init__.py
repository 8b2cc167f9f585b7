"""The upload pipeline of map layers: plain functions over batches of features.

Uploads go through ``pipeline.ingest_file``, which streams the layer (reader.py, streaming.py:
two passes over Arrow batches, one COPY, whole-layer checks in PostgreSQL) in flat memory.
The functions below read and check a whole (small) layer at once with the same checks; they
serve the tests and callers that want a GeoDataFrame:

    from layers.ingest import open_source, list_layers, prepare_layer, write_revision

    with open_source(stored_path, name=uploaded_name) as source:   # checks, unpacks
        layers = list_layers(source)                                 # the planner picks one
        prepared = prepare_layer(layer, source, layer_name=..., field_mapping=...,
                                 progress=report)                    # reads and checks
        if not prepared.rejected:
            revision = write_revision(layer, prepared, created_by=user, progress=report)
    diff = diff_revisions(layer, revision)                           # against the published one

``RejectedFile`` (with ``.problems``) is raised for problems of the whole file;
``prepared.problems`` lists those of features. ``report(stage, done, total)`` is called with
stages "reading", "checking" and "writing"; raising inside it stops the job and leaves
nothing behind.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checks import dominant_geometry_type
    from .crs import RecognisedCrs, recognise_crs, zone_epsg_for_longitude
    from .diff import FeatureChange, RevisionDiff, area_srid, diff_revisions
    from .fields import STANDARD_FIELDS, FieldMapping, map_fields
    from .formats import (
        DRIVERS,
        Format,
        RawLayer,
        Source,
        SourceLayer,
        choose_layer,
        list_layers,
        open_source,
        read_layer,
    )
    from .landuse import is_landuse_code, landuse_codes, landuse_name
    from .prepare import PreparedLayer, Progress, prepare_layer, prepare_raw_layer
    from .problems import Problem, ProblemLog, RejectedFile, Severity, render_message
    from .write import write_revision

# Each name is imported from its module when first used (PEP 562): the web processes import
# this package for its light names (RejectedFile, RevisionDiff, landuse codes), and the
# readers' pandas, pyarrow and geopandas cost about 175 MiB in every gunicorn worker that
# never reads a file (the upload worker's confined child does).
_EXPORTS = {
    "dominant_geometry_type": "checks",
    "RecognisedCrs": "crs",
    "recognise_crs": "crs",
    "zone_epsg_for_longitude": "crs",
    "FeatureChange": "diff",
    "RevisionDiff": "diff",
    "area_srid": "diff",
    "diff_revisions": "diff",
    "STANDARD_FIELDS": "fields",
    "FieldMapping": "fields",
    "map_fields": "fields",
    "DRIVERS": "formats",
    "Format": "formats",
    "RawLayer": "formats",
    "Source": "formats",
    "SourceLayer": "formats",
    "choose_layer": "formats",
    "list_layers": "formats",
    "open_source": "formats",
    "read_layer": "formats",
    "is_landuse_code": "landuse",
    "landuse_codes": "landuse",
    "landuse_name": "landuse",
    "PreparedLayer": "prepare",
    "Progress": "prepare",
    "prepare_layer": "prepare",
    "prepare_raw_layer": "prepare",
    "Problem": "problems",
    "ProblemLog": "problems",
    "RejectedFile": "problems",
    "Severity": "problems",
    "render_message": "problems",
    "write_revision": "write",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DRIVERS",
    "STANDARD_FIELDS",
    "FeatureChange",
    "FieldMapping",
    "Format",
    "PreparedLayer",
    "Problem",
    "ProblemLog",
    "Progress",
    "RawLayer",
    "RecognisedCrs",
    "RejectedFile",
    "RevisionDiff",
    "Severity",
    "Source",
    "SourceLayer",
    "area_srid",
    "choose_layer",
    "diff_revisions",
    "dominant_geometry_type",
    "is_landuse_code",
    "landuse_codes",
    "landuse_name",
    "list_layers",
    "map_fields",
    "open_source",
    "prepare_layer",
    "prepare_raw_layer",
    "read_layer",
    "recognise_crs",
    "render_message",
    "write_revision",
    "zone_epsg_for_longitude",
]
