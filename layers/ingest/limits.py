"""Size limits of an upload, read from Django settings at the moment they are needed (so tests
and deployments can change them), each with a default that suits a township or county plan."""

from django.conf import settings

DEFAULTS = {
    # The uploaded file itself (a zip, .gpkg, .geojson or .kml).
    "UPLOAD_MAX_BYTES": 200 * 1024 * 1024,
    # Everything an archive unpacks to; a 50,000-parcel Shapefile is about 45 MB.
    "UPLOAD_MAX_UNPACKED_BYTES": 1024 * 1024 * 1024,
    # Entries of an archive; a FileGDB has 5 to 10 files per table.
    "UPLOAD_MAX_ARCHIVE_ENTRIES": 2000,
    # Features of the chosen layer, checked before the layer is read.
    "UPLOAD_MAX_FEATURES": 200_000,
    # Vertices of one feature; a detailed township boundary has some tens of thousands.
    "UPLOAD_MAX_VERTICES_PER_FEATURE": 100_000,
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def human_bytes(count: int) -> str:
    """1048576 -> "1 MB": how limits are quoted to the planner."""
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if size == int(size) else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
