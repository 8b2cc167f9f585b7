"""System checks: a configuration the portal cannot run safely with is refused when a command
or the server starts (``manage.py check``, ``migrate``, gunicorn's first request through
``runserver``/``check --deploy``), with a message that says what to change. The PostGIS check
needs the database, so it runs where Django runs database checks (``check --database default``,
``migrate``)."""

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import connections

# GDAL below 3.9 cannot block file and network access while it parses a spatial reference
# from an uploaded file (Django's gis.W001): for a portal that reads uploads that is an error.
MIN_GDAL = (3, 9)
# ST_TileEnvelope's margin argument (the tiles' buffer) arrived in PostGIS 3.1.
MIN_POSTGIS = (3, 1)
TIANDITU_KEY = re.compile(r"^[0-9a-f]{32}$")


@register()
def media_root_is_writable(app_configs, **kwargs) -> list[Error]:
    """Uploads and photos are stored under MEDIA_ROOT: it, or the folder it will be made in,
    must be writable by the server."""
    folder = Path(settings.MEDIA_ROOT)
    existing = next((path for path in (folder, *folder.parents) if path.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return [
            Error(
                f"MEDIA_ROOT ({folder}) cannot be written by this process.",
                hint="Set MEDIA_ROOT to a folder the server's user may write, or create it.",
                id="planportal.E001",
            )
        ]
    return []


@register()
def gdal_is_recent(app_configs, **kwargs) -> list[Error]:
    from django.contrib.gis.gdal import GDAL_VERSION

    if GDAL_VERSION < MIN_GDAL:
        return [
            Error(
                f"GDAL {'.'.join(map(str, GDAL_VERSION))} cannot refuse file and network access "
                "while it reads an uploaded file's coordinate system.",
                hint="Leave GDAL_LIBRARY_PATH unset to use the GDAL bundled with pyogrio "
                f"(planportal/gdal_runtime.py), or point it at GDAL {MIN_GDAL[0]}.{MIN_GDAL[1]}+.",
                id="planportal.E002",
            )
        ]
    return []


@register()
def tianditu_key_has_its_form(app_configs, **kwargs) -> list[Error]:
    key = settings.TIANDITU_KEY
    if key and not TIANDITU_KEY.match(key):
        return [
            Error(
                "TIANDITU_KEY is not a 天地图 key (32 lower-case hexadecimal characters).",
                hint="Copy the key from the 天地图 console, or leave TIANDITU_KEY empty for a map "
                "without a basemap.",
                id="planportal.E003",
            )
        ]
    return []


@register(Tags.database)
def postgis_is_recent(app_configs, databases=None, **kwargs) -> list[Error]:
    errors = []
    for alias in databases or []:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            row = cursor.fetchone()
        version = tuple(int(part) for part in re.findall(r"\d+", row[0])[:2]) if row else None
        if version is None or version < MIN_POSTGIS:
            found = row[0] if row else "none"
            errors.append(
                Error(
                    f"The database {alias!r} has PostGIS {found}; the tiles need "
                    f"{MIN_POSTGIS[0]}.{MIN_POSTGIS[1]} or later.",
                    hint="Install postgresql-15-postgis-3 and run CREATE EXTENSION postgis.",
                    id="planportal.E004",
                )
            )
    return errors
