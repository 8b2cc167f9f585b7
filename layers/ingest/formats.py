"""What an upload is, which layers it holds, and reading one of them.

The name's extension says what the planner claims; the first bytes must agree before GDAL
sees the file, and GDAL then opens it with that format's driver only (see gdal.py):

- Shapefile: a .zip with .shp, .shx and .dbf; .shp and .shx start with file code 9994 and
  version 1000, the .dbf with a dBase version byte. Driver "ESRI Shapefile".
- FileGDB: a .zip with a folder ending .gdb whose a00000001.gdbtable has version 3 or 4.
  Driver "OpenFileGDB".
- GeoPackage: .gpkg (also inside a .zip), an SQLite header with application id GPKG.
  Driver "GPKG".
- GeoJSON: .geojson or .json (also inside a .zip), a JSON object of type Feature or
  FeatureCollection. Driver "GeoJSON".
- KML: .kml (or .kmz, also inside a .zip), an XML document whose root is <kml>, without a
  DTD. Driver "LIBKML".

So an OGR VRT named .geojson, an HTML page named .kml or a zip named .gpkg is refused
before any driver parses it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import gdal, problems
from .archive import unpack_zip
from .encoding import shapefile_encoding
from .limits import human_bytes, limit
from .problems import Problem

if TYPE_CHECKING:
    import geopandas as gpd

# pyogrio (with the pandas and geopandas it imports) is imported by the two functions that read
# a whole layer: the web processes list an upload's layers through gdal.py alone and so keep
# about 175 MiB less each (layers/ingest/__init__.py).

HEAD_BYTES = 64 * 1024
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SQLITE_MAGIC = b"SQLite format 3\x00"
GEOPACKAGE_IDS = (b"GPKG", b"GP10", b"GP11")
SHAPE_FILE_CODE = b"\x00\x00\x27\x0a"
DBF_VERSIONS = {0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5}
GEOJSON_TYPE = re.compile(rb'"type"\s*:\s*"(FeatureCollection|Feature)"')
XML_PROLOG = re.compile(r"^(\s|<\?xml[^>]*\?>|<!--.*?-->)*", re.S)
KML_ROOT = re.compile(r"<([A-Za-z_][\w.-]*:)?kml[\s>/]")


class Format(StrEnum):
    SHAPEFILE = "Shapefile"
    FILEGDB = "FileGDB"
    GEOPACKAGE = "GeoPackage"
    GEOJSON = "GeoJSON"
    KML = "KML"


DRIVERS = {
    Format.SHAPEFILE: "ESRI Shapefile",
    Format.FILEGDB: "OpenFileGDB",
    Format.GEOPACKAGE: "GPKG",
    Format.GEOJSON: "GeoJSON",
    Format.KML: "LIBKML",
}
# Single files, uploaded as they are or found inside an archive.
FILE_FORMATS = {
    ".gpkg": Format.GEOPACKAGE,
    ".geojson": Format.GEOJSON,
    ".json": Format.GEOJSON,
    ".kml": Format.KML,
}
ARCHIVE_EXTENSIONS = (".zip", ".kmz")


@dataclass(frozen=True)
class Dataset:
    path: Path  # the file (or .gdb folder) GDAL opens
    format: Format
    label: str  # its name as the planner knows it, e.g. "规划/用地.shp"


@dataclass(frozen=True)
class SourceLayer:
    name: str  # what the planner picks: unique within the upload
    dataset: Dataset
    gdal_name: str
    geometry_type: str | None
    feature_count: int


@dataclass
class Source:
    """An upload, unpacked and checked, in a scratch folder removed by close()."""

    name: str
    path: Path
    checksum: str
    size: int
    workdir: Path
    datasets: list[Dataset]
    owns_workdir: bool = True
    _layers: list[SourceLayer] | None = field(default=None, repr=False)

    def close(self) -> None:
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@dataclass
class RawLayer:
    """One layer as the file has it: coordinates in the source system, fields unmapped."""

    layer: SourceLayer
    frame: gpd.GeoDataFrame
    crs_wkt: str | None
    prj_text: str | None
    encoding: str | None
    problems: list[Problem] = field(default_factory=list)
    # Rows whose geometry the reader could not build (e.g. a ring starting with NaN), with
    # their WKB: refused by number in coordinates.check_coordinates, never taken as empty.
    unreadable: dict[int, bytes] = field(default_factory=dict)


def open_source(
    path: Path | str, *, name: str | None = None, workdir: Path | None = None
) -> Source:
    """Checks and unpacks an upload. ``name`` is the name the planner gave the file (the stored
    file may have a server-made name); ``workdir`` an empty scratch folder (default: a new
    temporary one, removed by Source.close). Raises RejectedFile."""
    text = str(path)
    if text.startswith("/vsi") or "://" in text:
        raise problems.RejectedFile(problems.error("file_missing", name=text))
    path = Path(path)
    name = name or path.name
    if path.is_symlink() or not path.is_file():
        raise problems.RejectedFile(problems.error("file_missing", name=name))
    size = path.stat().st_size
    if size > limit("UPLOAD_MAX_BYTES"):
        raise problems.RejectedFile(
            problems.error("file_too_large", limit=human_bytes(limit("UPLOAD_MAX_BYTES")))
        )
    owns_workdir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="layer-upload-")) if workdir is None else workdir
    try:
        datasets = _datasets(path, name, workdir)
        checksum = _sha256(path)
    except BaseException:
        if owns_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        raise
    return Source(name, path, checksum, size, workdir, datasets, owns_workdir)


def list_layers(source: Source) -> list[SourceLayer]:
    """The layers with geometry in the upload, each opened only with its format's driver."""
    if source._layers is None:
        found = []
        for dataset in source.datasets:
            try:
                with gdal.opened(dataset.path, DRIVERS[dataset.format]) as handle:
                    described = gdal.describe_layers(handle)
            except gdal.GdalError as exc:
                raise problems.RejectedFile(
                    problems.error("unreadable", name=dataset.label, reason=str(exc))
                ) from exc
            found += [(dataset, d) for d in described if d.geometry_type is not None]
        names = [d.name for _, d in found]
        source._layers = [
            SourceLayer(
                name=d.name if names.count(d.name) == 1 else f"{dataset.label}:{d.name}",
                dataset=dataset,
                gdal_name=d.name,
                geometry_type=d.geometry_type,
                feature_count=d.feature_count,
            )
            for dataset, d in found
        ]
    return source._layers


def choose_layer(source: Source, layer_name: str | None = None) -> SourceLayer:
    layers = list_layers(source)
    choices = ", ".join(layer.name for layer in layers)
    if not layers:
        raise problems.RejectedFile(problems.error("no_dataset"))
    if layer_name is None:
        if len(layers) > 1:
            raise problems.RejectedFile(problems.error("layer_choice_needed", choices=choices))
        return layers[0]
    for matches in (lambda a, b: a == b, lambda a, b: a.casefold() == b.casefold()):
        for layer in layers:
            if matches(layer.name, layer_name) or matches(layer.gdal_name, layer_name):
                return layer
    raise problems.RejectedFile(
        problems.error("layer_not_found", layer=layer_name, choices=choices)
    )


def check_feature_count(count: int) -> None:
    """RejectedFile when a layer has more features than LAYER_MAX_FEATURES."""
    maximum = limit("LAYER_MAX_FEATURES")
    if count > maximum:
        raise problems.RejectedFile(problems.error("too_many_features", count=count, limit=maximum))


@dataclass(frozen=True)
class Opening:
    """How GDAL opens a dataset: a shapefile's encoding (its .cpg, or found by trying) as an
    open option, and its .prj text for CRS recognition; nothing for other formats."""

    options: list[str]
    encoding: str | None
    prj_text: str | None
    problems: list[Problem]


def chosen_layer(source: Source, layer_name: str | None) -> tuple[SourceLayer, Opening]:
    """The layer to read (the only one, or the one named) within LAYER_MAX_FEATURES, and how
    to open its dataset. Raises RejectedFile."""
    layer = choose_layer(source, layer_name)
    check_feature_count(layer.feature_count)
    return layer, how_to_open(layer.dataset)


def how_to_open(dataset: Dataset) -> Opening:
    if dataset.format != Format.SHAPEFILE:
        return Opening([], None, None, [])
    choice = shapefile_encoding(dataset.path)
    prj_text = None
    prj = _sibling(dataset.path, ".prj")
    if prj is not None and prj.stat().st_size <= HEAD_BYTES:
        prj_text = prj.read_bytes().decode("utf-8", "replace")
    return Opening([f"ENCODING={choice.encoding}"], choice.encoding, prj_text, choice.problems)


def read_layer(source: Source, layer_name: str | None = None) -> RawLayer:
    """Reads one layer (the only one, or the one named) into a GeoDataFrame, in its source
    order and coordinates. Raises RejectedFile."""
    layer, opening = chosen_layer(source, layer_name)
    dataset = layer.dataset
    found: list[Problem] = list(opening.problems)
    open_options, encoding, prj_text = opening.options, opening.encoding, opening.prj_text
    copy = source.workdir / f"read-{os.getpid()}-{abs(hash(layer.name))}.fgb"
    try:
        with gdal.opened(dataset.path, DRIVERS[dataset.format], open_options) as handle:
            crs_wkt = gdal.layer_crs_wkt(handle, layer.gdal_name)
            gdal.copy_layer(handle, layer.gdal_name, copy)
        # Our own FlatGeobuf copy: the only file pyogrio ever opens. A geometry shapely
        # cannot build comes back as None, and its WKB is kept to say why.
        import pyogrio

        frame = pyogrio.read_dataframe(copy, on_invalid="ignore")
        unreadable = _unreadable_geometries(copy, frame)
    except gdal.GdalError as exc:
        raise problems.RejectedFile(
            problems.error("unreadable", name=dataset.label, reason=str(exc))
        ) from exc
    finally:
        copy.unlink(missing_ok=True)
    frame = frame.set_crs(None, allow_override=True)
    if len(frame) == 0:
        found.append(problems.warning("no_features"))
    return RawLayer(layer, frame, crs_wkt, prj_text, encoding, found, unreadable)


def _unreadable_geometries(copy: Path, frame: gpd.GeoDataFrame) -> dict[int, bytes]:
    """Rows that have a geometry in the file but none in ``frame``, with their WKB. The file
    is read a second time, geometry only, and only when some geometry is missing."""
    absent = np.flatnonzero(frame.geometry.isna().to_numpy())
    if not len(absent):
        return {}
    import pyogrio.raw

    _, _, wkbs, _ = pyogrio.raw.read(copy, columns=[])
    return {int(row): bytes(wkbs[row]) for row in absent if wkbs[row] is not None}


def _datasets(path: Path, name: str, workdir: Path) -> list[Dataset]:
    extension = Path(name).suffix.lower()
    head = _head(path)
    if extension in ARCHIVE_EXTENSIONS:
        if not head.startswith(ZIP_MAGIC):
            raise _mismatch(name, "zip")
        folder = unpack_zip(path, workdir / "unpacked")
        datasets = _datasets_in_folder(folder)
    elif extension in FILE_FORMATS:
        expected = FILE_FORMATS[extension]
        if not _content_is(expected, head):
            raise _mismatch(name, expected)
        # GDAL goes by content and extension (and names a GeoJSON layer after its file): give
        # it our own copy under the planner's name, made safe.
        local = workdir / f"{_safe_stem(name, extension)}{extension}"
        _link_or_copy(path, local)
        datasets = [Dataset(local, expected, name)]
    else:
        raise problems.RejectedFile(problems.error("unknown_format", extension=extension or name))
    if not datasets:
        raise problems.RejectedFile(problems.error("no_dataset"))
    return datasets


def _datasets_in_folder(folder: Path) -> list[Dataset]:
    datasets = []
    for current, directories, files in os.walk(folder):
        here = Path(current)
        # macOS resource forks and hidden folders are not the planner's data.
        directories[:] = sorted(d for d in directories if not _hidden(d))
        for directory in list(directories):
            if directory.lower().endswith(".gdb"):
                directories.remove(directory)  # GDAL reads the folder as a whole
                datasets.append(_filegdb(here / directory, folder))
        for file_name in sorted(f for f in files if not _hidden(f)):
            file = here / file_name
            suffix = file.suffix.lower()
            label = str(file.relative_to(folder))
            if suffix == ".shp":
                datasets.append(_shapefile(file, label))
            elif suffix in FILE_FORMATS:
                expected = FILE_FORMATS[suffix]
                if _content_is(expected, _head(file)):
                    datasets.append(Dataset(file, expected, label))
                elif suffix != ".json":  # other JSON files are often metadata, not data
                    raise _mismatch(label, expected)
    return datasets


def _shapefile(shp: Path, label: str) -> Dataset:
    for suffix in (".shx", ".dbf"):
        sibling = _sibling(shp, suffix)
        if sibling is None:
            raise problems.RejectedFile(
                problems.error("shapefile_incomplete", name=label, missing=suffix)
            )
        head = _head(sibling)
        valid = _is_shape_header(head) if suffix == ".shx" else head[:1] and head[0] in DBF_VERSIONS
        if not valid:
            raise _mismatch(sibling.name, Format.SHAPEFILE)
    if not _is_shape_header(_head(shp)):
        raise _mismatch(label, Format.SHAPEFILE)
    return Dataset(shp, Format.SHAPEFILE, label)


def _filegdb(folder: Path, root: Path) -> Dataset:
    label = str(folder.relative_to(root))
    catalogue = folder / "a00000001.gdbtable"
    # Version 3 (ArcGIS 10 and later) or 4 (64-bit object ids, ArcGIS Pro 3.2 and later).
    if not catalogue.is_file() or _head(catalogue)[:4] not in (b"\x03\0\0\0", b"\x04\0\0\0"):
        raise _mismatch(label, Format.FILEGDB)
    return Dataset(folder, Format.FILEGDB, label)


def _content_is(expected: Format, head: bytes) -> bool:
    if expected == Format.GEOPACKAGE:
        return head.startswith(SQLITE_MAGIC) and head[68:72] in GEOPACKAGE_IDS
    if expected == Format.GEOJSON:
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        return text.startswith(b"{") and GEOJSON_TYPE.search(text) is not None
    if expected == Format.KML:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            return False  # KML needs no DTD; entities are how XML files attack parsers
        body = XML_PROLOG.sub("", text, count=1)
        return KML_ROOT.match(body) is not None
    return False


def _is_shape_header(head: bytes) -> bool:
    return (
        len(head) >= 100
        and head[:4] == SHAPE_FILE_CODE
        and int.from_bytes(head[28:32], "little") == 1000
    )


def _mismatch(name: str, expected: str) -> problems.RejectedFile:
    return problems.RejectedFile(problems.error("content_mismatch", name=name, expected=expected))


def _sibling(path: Path, suffix: str) -> Path | None:
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    return None


# A file name may have 255 bytes (ext4, XFS), not 255 characters: 85 Chinese characters fill
# it. The stem keeps room for the extension and for what GDAL may add beside a file
# ("-journal", "-wal", ".aux.xml").
NAME_MAX_BYTES = 255
NAME_SUFFIX_ROOM = 16


def _safe_stem(name: str, extension: str = "") -> str:
    stem = re.sub(r"[^\w.-]", "_", Path(name).stem).strip("._")
    budget = NAME_MAX_BYTES - NAME_SUFFIX_ROOM - len(extension.encode())
    # Cut on a character boundary: the bytes of a character cut in half are dropped.
    stem = stem.encode()[:budget].decode("utf-8", "ignore").rstrip("._")
    return stem or "upload"


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEAD_BYTES)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)
