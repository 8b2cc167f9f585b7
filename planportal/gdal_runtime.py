"""Chooses the GDAL library that GeoDjango loads.

Debian 12 ships GDAL 3.6, which cannot block file and network access when it parses a spatial
reference (Django's check gis.W001). The pyogrio wheel that the upload pipeline uses bundles a
current GDAL (3.10+) with its PROJ and GDAL data. Pointing GeoDjango at that same library gives
the whole process one modern GDAL: the one that reads uploads is the one GeoDjango uses.
Settings call this before GDAL is first loaded; ``GDAL_LIBRARY_PATH`` in the environment wins.
"""

import importlib.util
import os
from pathlib import Path

# PROJ may download transformation grids from its CDN when PROJ_NETWORK=ON; an uploaded
# .prj naming a grid must never make the server reach out, so the portal's processes (the
# web tier, the job worker and the ingest children it starts) keep it off whatever the
# environment says. Every grid the portal needs is in proj_data.
os.environ["PROJ_NETWORK"] = "OFF"


def bundled_gdal_library() -> str | None:
    """Path of pyogrio's bundled libgdal, after pointing PROJ and GDAL at its data files;
    None when pyogrio was built against the system GDAL."""
    spec = importlib.util.find_spec("pyogrio")
    if spec is None or spec.origin is None:
        return None
    package = Path(spec.origin).parent
    libraries = sorted((package.parent / "pyogrio.libs").glob("libgdal*.so*"))
    if not libraries:
        return None
    for variable, folder in (("PROJ_DATA", "proj_data"), ("GDAL_DATA", "gdal_data")):
        if (package / folder).is_dir():
            os.environ.setdefault(variable, str(package / folder))
    return str(libraries[0])
