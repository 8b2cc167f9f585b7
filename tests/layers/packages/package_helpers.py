"""汇交 GeoPackages built in the test with geopandas/pyogrio, in CGCS2000 Gauss-Krüger CM 111E
(EPSG:4546) inside 测试镇 (tests.factories.make_plan), with geometries whose overlaps and
parts outside the township are known to the square metre."""

import zipfile
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import Transformer

from tests.factories import EAST, NORTH, SOUTH, WEST

TO_GK = Transformer.from_crs(4326, 4546, always_xy=True)
X0, Y0 = TO_GK.transform((WEST + EAST) / 2, (SOUTH + NORTH) / 2)
X0, Y0 = round(X0), round(Y0)

# 行政区: a 1,100 m square.
XZQ_BOX = (X0 - 100, Y0 - 100, X0 + 1000, Y0 + 1000)
# 永久基本农田: A overlaps 城镇开发边界 by 100 m x 200 m = 2 ha; B lies 50 m x 100 m = 0.5 ha
# outside the township; C lies inside and touches nothing.
YJJBNT_BOXES = {
    "YJ001": (X0, Y0, X0 + 200, Y0 + 200),
    "YJ002": (X0 + 950, Y0, X0 + 1050, Y0 + 100),
    "YJ003": (X0, Y0 + 500, X0 + 100, Y0 + 600),
}
CZKFBJ_BOX = (X0 + 100, Y0, X0 + 400, Y0 + 200)
OVERLAP_HA = 2.0
OUTSIDE_HA = 0.5


def frame(boxes: dict[str, tuple], **columns) -> gpd.GeoDataFrame:
    data = {"BSM": list(boxes), **{name: list(values) for name, values in columns.items()}}
    geometry = [shapely.box(*box) for box in boxes.values()]
    return gpd.GeoDataFrame(data, geometry=geometry, crs=4546)


def package_layers(*, bad_landuse: bool = False) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the test package: XZQ, YJJBNT, CZKFBJ (standard table names) and a
    layer no catalogue knows (QTTC). ``bad_landuse`` adds a 用地用海 layer with a land-use
    code that does not exist, which the pipeline refuses."""
    layers = {
        "XZQ": frame({"XZQ01": XZQ_BOX}, XZQDM=["141181199000"], XZQMC=["测试镇"]),
        "YJJBNT": frame(YJJBNT_BOXES, DLBM=["0101", "0102", "0103"]),
        "城镇开发边界": frame({"KF01": CZKFBJ_BOX}, MC=["镇区"]),
        "QTTC": frame({"Q1": (X0, Y0 + 800, X0 + 50, Y0 + 850)}, BZ=["其他"]),
    }
    if bad_landuse:
        layers["YDYH"] = frame(
            {
                "YD1": (X0, Y0 + 300, X0 + 50, Y0 + 350),
                "YD2": (X0 + 60, Y0 + 300, X0 + 90, Y0 + 350),
            },
            YDYHFLDM=["0101", "9999"],
        )
    return layers


def write_geopackage(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, layer in layers.items():
        layer.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


def write_zipped_filegdb(folder: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """The same layers as a FileGDB (GDAL's OpenFileGDB driver writes one), zipped with its
    .gdb folder as ArcGIS users send it."""
    gdb = folder / "汇交成果.gdb"
    for name, layer in layers.items():
        layer.to_file(gdb, layer=name, driver="OpenFileGDB", engine="pyogrio")
    archive = folder / "huijiao-gdb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(gdb.rglob("*")):
            bundle.write(path, str(path.relative_to(folder)))
    return archive
