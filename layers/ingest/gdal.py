"""The few GDAL C calls pyogrio does not offer: opening a file with ONE allowed driver.

pyogrio opens every path with ``GDALOpenEx(path, ..., papszAllowedDrivers=NULL, ...)``, so any
registered driver whose Identify() claims the bytes may parse them (an OGR VRT named .geojson
would be parsed by the VRT driver, which can read other files on the server). ``GDAL_SKIP`` /
``OGR_SKIP`` only act when drivers are registered, i.e. for the whole process, which would also
take drivers away from the rest of the portal (and GDAL itself has no per-open setting).

So an upload is opened here, through ctypes on the very libgdal that pyogrio and GeoDjango
load, with ``papszAllowedDrivers`` = [the one driver of its format], and GDAL's own
VectorTranslate copies the chosen layer into a FlatGeobuf file in our scratch folder. pyogrio
then reads that file, which we wrote ourselves. The copy costs about 0.1 s per 50,000 parcels
(measured: translate + read 0.71 s against 0.57 s for pyogrio alone).

While GDAL works on an upload, thread-local config options close the doors to the network:
/vsicurl/ accepts no file, HTTP requests go to a dead proxy with a one-second timeout and no
retry, and LIBKML does not fetch external styles. The paths given to GDAL are always plain
files in our scratch folder (checked by the caller), never a /vsi or URL string.
"""

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.gdal.driver import Driver
from django.contrib.gis.gdal.libgdal import lgdal

# A second handle on the same shared library: its function objects are our own, so setting
# argtypes here never changes the prototypes GeoDjango set on ``lgdal``.
_lib = ctypes.CDLL(lgdal._name)
# GDAL opens nothing before its drivers are registered. Importing pyogrio used to do it as a
# side effect; the web processes no longer import pyogrio (layers/ingest/formats.py).
Driver.ensure_registered()

GDAL_OF_READONLY = 0x00
GDAL_OF_VECTOR = 0x04
GDAL_OF_VERBOSE_ERROR = 0x40
WKB_NONE = 100

_P = ctypes.c_void_p
_S = ctypes.c_char_p


def _prototype(name: str, restype, *argtypes):
    function = getattr(_lib, name)
    function.restype = restype
    function.argtypes = list(argtypes)
    return function


_open = _prototype("GDALOpenEx", _P, _S, ctypes.c_uint, _P, _P, _P)
_close = _prototype("GDALClose", ctypes.c_int, _P)
_dataset_driver = _prototype("GDALGetDatasetDriver", _P, _P)
_driver_name = _prototype("GDALGetDriverShortName", _S, _P)
_layer_count = _prototype("GDALDatasetGetLayerCount", ctypes.c_int, _P)
_layer = _prototype("GDALDatasetGetLayer", _P, _P, ctypes.c_int)
_layer_name = _prototype("OGR_L_GetName", _S, _P)
_layer_geometry_type = _prototype("OGR_L_GetGeomType", ctypes.c_int, _P)
_layer_feature_count = _prototype("OGR_L_GetFeatureCount", ctypes.c_int64, _P, ctypes.c_int)
_layer_srs = _prototype("OGR_L_GetSpatialRef", _P, _P)
_srs_to_wkt = _prototype("OSRExportToWktEx", ctypes.c_int, _P, ctypes.POINTER(_P), _P)
_free = _prototype("VSIFree", None, _P)
_flatten = _prototype("OGR_GT_Flatten", ctypes.c_int, ctypes.c_int)
_linear = _prototype("OGR_GT_GetLinear", ctypes.c_int, ctypes.c_int)
_translate_options = _prototype("GDALVectorTranslateOptionsNew", _P, _P, _P)
_translate_options_free = _prototype("GDALVectorTranslateOptionsFree", None, _P)
_translate = _prototype(
    "GDALVectorTranslate", _P, _S, _P, ctypes.c_int, _P, _P, ctypes.POINTER(ctypes.c_int)
)
_error_reset = _prototype("CPLErrorReset", None)
_last_error = _prototype("CPLGetLastErrorMsg", _S)
_push_error_handler = _prototype("CPLPushErrorHandler", None, _P)
_pop_error_handler = _prototype("CPLPopErrorHandler", None)
_quiet_handler = ctypes.cast(_lib.CPLQuietErrorHandler, _P)
_set_local_option = _prototype("CPLSetThreadLocalConfigOption", None, _S, _S)
_get_local_option = _prototype("CPLGetThreadLocalConfigOption", _S, _S, _S)

# Config options in force (for this thread only) while GDAL reads an upload.
SANDBOX_OPTIONS = {
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/nonexistent/network-disabled",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".network-disabled",
    # Port 9 (discard) on the loopback interface: any HTTP request fails at once.
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "LIBKML_RESOLVE_STYLE": "NO",
    "LIBKML_EXTERNAL_STYLE": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
}


class GdalError(Exception):
    """GDAL refused: the file does not open with its format's driver, or cannot be copied."""


@dataclass(frozen=True)
class LayerDescription:
    name: str
    geometry_type: str | None  # "Point", "LineString", "Polygon", "Unknown" or None (a table)
    feature_count: int


@contextmanager
def sandbox() -> Iterator[None]:
    """No network, no error spam in the logs (messages are read with last_error)."""
    saved = {key: _get_local_option(key.encode(), None) for key in SANDBOX_OPTIONS}
    for key, value in SANDBOX_OPTIONS.items():
        _set_local_option(key.encode(), value.encode())
    _push_error_handler(_quiet_handler)
    try:
        yield
    finally:
        _pop_error_handler()
        for key, value in saved.items():
            _set_local_option(key.encode(), value)


def _string_list(items: list[str]):
    array = (_S * (len(items) + 1))()
    for index, item in enumerate(items):
        array[index] = item.encode()
    array[len(items)] = None
    return array


@contextmanager
def opened(path: Path, driver: str, open_options: list[str] | None = None) -> Iterator[int]:
    """The dataset at ``path``, opened read-only by ``driver`` and by no other driver."""
    with sandbox():
        _error_reset()
        handle = _open(
            str(path).encode(),
            GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
            ctypes.cast(_string_list([driver]), _P),
            ctypes.cast(_string_list(open_options or []), _P),
            None,
        )
        if not handle:
            raise GdalError(_message() or f"not readable as {driver}")
        try:
            actual = _driver_name(_dataset_driver(handle)).decode()
            if actual != driver:  # cannot happen with an allow-list of one; never trust it
                raise GdalError(f"opened by {actual}, expected {driver}")
            yield handle
        finally:
            _close(handle)


def describe_layers(handle: int) -> list[LayerDescription]:
    layers = []
    for index in range(_layer_count(handle)):
        layer = _layer(handle, index)
        layers.append(
            LayerDescription(
                name=_layer_name(layer).decode("utf-8", "replace"),
                geometry_type=_geometry_family(_layer_geometry_type(layer)),
                feature_count=int(_layer_feature_count(layer, 1)),
            )
        )
    return layers


def layer_crs_wkt(handle: int, layer_name: str) -> str | None:
    """The layer's coordinate system as WKT2, or None when it has none."""
    for index in range(_layer_count(handle)):
        layer = _layer(handle, index)
        if _layer_name(layer).decode("utf-8", "replace") != layer_name:
            continue
        srs = _layer_srs(layer)
        if not srs:
            return None
        text = _P()
        if _srs_to_wkt(srs, ctypes.byref(text), ctypes.cast(_string_list([]), _P)) != 0:
            return None
        try:
            return ctypes.cast(text, _S).value.decode("utf-8", "replace")
        finally:
            _free(text)
    return None


def copy_layer(handle: int, layer_name: str, destination: Path) -> None:
    """Copies one layer, in its source order, to a FlatGeobuf file: 2D, curves made linear,
    any geometry type per feature, coordinates and attributes as they are."""
    arguments = [
        "-f", "FlatGeobuf",
        "-nln", "data",
        "-nlt", "GEOMETRY",
        "-nlt", "CONVERT_TO_LINEAR",
        "-dim", "XY",
        "-lco", "SPATIAL_INDEX=NO",  # an index would reorder the features
        layer_name,
    ]  # fmt: skip
    with sandbox():
        _error_reset()
        options = _translate_options(ctypes.cast(_string_list(arguments), _P), None)
        if not options:
            raise GdalError(_message() or "bad translate options")
        try:
            sources = (_P * 1)(handle)
            usage_error = ctypes.c_int(0)
            result = _translate(
                str(destination).encode(),
                None,
                1,
                ctypes.cast(sources, _P),
                options,
                ctypes.byref(usage_error),
            )
            if not result:
                raise GdalError(_message() or "the layer cannot be copied")
            _close(result)
        finally:
            _translate_options_free(options)


def _geometry_family(code: int) -> str | None:
    if code == WKB_NONE:
        return None
    flat = _linear(_flatten(code))
    return {
        1: "Point",
        4: "Point",
        2: "LineString",
        5: "LineString",
        3: "Polygon",
        6: "Polygon",
    }.get(flat, "Unknown")


def _message() -> str:
    raw = _last_error()
    return raw.decode("utf-8", "replace").strip() if raw else ""
