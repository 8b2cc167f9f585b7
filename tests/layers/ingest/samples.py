"""Sample uploads for the ingest tests, written in tmp_path with pyogrio as planners' tools
would write them: parcels of the 阳泉曲镇 plan area with the standard fields."""

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Transformer

from layers.models import Layer
from tests.factories import make_layer

# Near the middle of the demonstration plan's extent (111.47-111.59°E, 37.00-37.12°N).
CENTRE_LONLAT = (111.535, 37.07)
TO_GK_PLAIN = Transformer.from_crs(4326, 4546, always_xy=True)  # CGCS2000 GK CM 111E

ESRI_CM_111E = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_111E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
ESRI_ZONE_37 = ESRI_CM_111E.replace("CGCS2000_3_Degree_GK_CM_111E", "CGCS_2000_3_Degree_GK_Zone_37")
ESRI_ZONE_37 = ESRI_ZONE_37.replace('"False_Easting",500000.0', '"False_Easting",37500000.0')


def parcels(count: int = 3, *, crs: int = 4546, size: float = 50.0, **columns) -> gpd.GeoDataFrame:
    """``count`` square parcels in a row, ``size`` metres wide, in ``crs``, with BSM, DLBM,
    DLMC (Chinese) and MJ; ``columns`` replace or add columns."""
    x0, y0 = TO_GK_PLAIN.transform(*CENTRE_LONLAT)
    squares = [
        shapely.box(x0 + i * size * 2, y0, x0 + i * size * 2 + size, y0 + size)
        for i in range(count)
    ]
    frame = gpd.GeoDataFrame(
        {
            "BSM": [f"14118110100000{i + 1:02d}" for i in range(count)],
            "DLBM": ["0101", "0103", "0301"][:count] + ["0103"] * max(0, count - 3),
            "DLMC": ["水田", "旱地", "乔木林地"][:count] + ["旱地"] * max(0, count - 3),
            "MJ": [size * size] * count,
        },
        geometry=squares,
        crs=4546,
    )
    for name, values in columns.items():
        frame[name] = values
    return frame.to_crs(crs) if crs != 4546 else frame


def zipped_shapefile(
    frame: gpd.GeoDataFrame,
    folder: Path,
    name: str = "parcels",
    *,
    encoding: str = "UTF-8",
    keep_cpg: bool = True,
    prj: str | None = None,
    keep_prj: bool = True,
) -> Path:
    """A zip with the Shapefile as ArcGIS or QGIS would write it; without .cpg when asked,
    with a replaced or missing .prj when asked."""
    source = folder / f"{name}-files"
    source.mkdir(parents=True)
    pyogrio.write_dataframe(frame, source / f"{name}.shp", encoding=encoding)
    if not keep_cpg:
        (source / f"{name}.cpg").unlink()
    if prj is not None:
        (source / f"{name}.prj").write_text(prj)
    if not keep_prj:
        (source / f"{name}.prj").unlink(missing_ok=True)
    return zip_folder(source, folder / f"{name}.zip")


def zip_folder(source: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(source.rglob("*")):
            bundle.write(path, prefix + str(path.relative_to(source)))
    return archive


# What a parcels layer says of the fields of ``parcels()``.
PARCEL_FIELDS = {
    "title": "测试图层",
    "geometry_type": "Polygon",
    "key_field": "BSM",
    "attribute_schema": [
        {"name": "BSM", "label": "标识码", "type": "string", "required": True},
        {"name": "DLBM", "label": "地类编码", "type": "string", "required": True},
        {"name": "DLMC", "label": "地类名称", "type": "string", "required": False},
    ],
    "category_field": "DLBM",
    "name_field": "DLMC",
}


def parcels_layer(plan, collection_id: str, **fields) -> Layer:
    """A layer without revisions for ``parcels()`` uploads, to be written by the pipeline;
    ``fields`` replace or add to PARCEL_FIELDS."""
    return make_layer(plan, collection_id, **{**PARCEL_FIELDS, **fields})
