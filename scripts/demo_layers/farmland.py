"""永久基本农田 (演示数据): parcels laid out like terraces on a synthetic terrain.

The terrain falls from the north-west (about 1288 m) to the south-east (about 903 m), as plan 1.1
says, with a few hill waves and valleys cut by 兑镇河 and its gullies. The land left after keeping
clear of built-up land (城镇开发边界 + 60 m, villages 300 m, roads and the river 150 m, mining,
woodland and flood areas) is cut into blocks (Voronoi cells of a jittered grid). Most blocks are
farmed: rows of parcels run along the contour (perpendicular to the slope), gently bent, with
gaps for terrace risers and field paths; a few parcels get a fifth vertex. Parcels are 0.3-4 ha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Polygon

from .common import parts
from .town import Town

SEED = 3_2_2021
BLOCKED_AREAS = ("矿山修复", "森林", "采矿复垦", "未利用地", "蓄滞洪区")
LAND_CLASSES = {"0101": "水田", "0102": "水浇地", "0103": "旱地"}
MIN_M2, MAX_M2 = 3_050.0, 39_000.0  # 0.3-4 ha with a margin for reprojection and rounding
GENTLE, STEEP = ((35, 80), (100, 320)), ((28, 65), (80, 240))  # parcel (width, length) ranges, m


@dataclass
class Parcel:
    geometry: Polygon
    land_class: str
    slope_class: str
    village_code: str
    village_name: str


class Terrain:
    """Synthetic elevation in metres over the EPSG:4546 plane."""

    def __init__(self, town: Town, rng: np.random.Generator):
        self.x0, self.y0 = town.frame.x0, town.frame.y0
        self.river = town.river
        self.gullies = shapely.union_all([line for _, line in town.tributaries])
        self.waves = [
            (math.radians(rng.uniform(0, 180)), wavelength, amplitude, rng.uniform(0, 2 * math.pi))
            for wavelength, amplitude in ((2300.0, 28.0), (1700.0, 22.0), (1100.0, 15.0))
        ]

    def height(self, x, y):
        x, y = np.asarray(x, float), np.asarray(y, float)
        dx, dy = (x - self.x0) / 1000.0, (y - self.y0) / 1000.0
        h = 1095.0 + 19.5 * (-0.62 * dx + 0.78 * dy)
        for direction, wavelength, amplitude, phase in self.waves:
            along = (math.cos(direction) * dx + math.sin(direction) * dy) * 1000.0
            h += amplitude * np.sin(2 * math.pi * along / wavelength + phase)
        points = shapely.points(x, y)
        to_river = shapely.distance(self.river, points) / 1000.0
        to_gully = shapely.distance(self.gullies, points) / 1000.0
        h -= 55.0 * np.exp(-((to_river / 0.45) ** 2)) + 25.0 * np.exp(-((to_gully / 0.3) ** 2))
        return np.clip(h, 903.0, 1288.0)

    def gradient(self, x, y, step=15.0):
        gx = (self.height(x + step, y) - self.height(x - step, y)) / (2 * step)
        gy = (self.height(x, y + step) - self.height(x, y - step)) / (2 * step)
        return gx, gy

    def slope_degrees(self, x, y):
        gx, gy = self.gradient(x, y)
        return np.degrees(np.arctan(np.hypot(gx, gy)))


def slope_class(degrees: float) -> str:
    """坡度级别 as in the 三调: 1 ≤2°, 2 ≤6°, 3 ≤15°, 4 ≤25°, 5 >25°."""
    return str(1 + sum(degrees > limit for limit in (2.0, 6.0, 15.0, 25.0)))


def farmable_area(town: Town):
    blocked = [
        town.built_up().buffer(60.0),
        *(v.point.buffer(300.0) for v in town.villages),
        *(r.line.buffer(150.0) for r in town.roads + town.streets),
        town.river.buffer(150.0),
        *(line.buffer(100.0) for _, line in town.tributaries),
        *(g.buffer(30.0) for n, g in town.areas.items() if n.startswith(BLOCKED_AREAS)),
        town.sites["柳湾煤矿"].buffer(300.0),
    ]
    return town.extent.buffer(-40.0).difference(shapely.union_all(blocked))


def farm_blocks(area, rng: np.random.Generator, spacing=520.0) -> list[Polygon]:
    minx, miny, maxx, maxy = area.bounds
    seeds = []
    for i in range(int((maxx - minx) / spacing) + 1):
        for j in range(int((maxy - miny) / spacing) + 1):
            jx, jy = rng.uniform(-0.35, 0.35, 2) * spacing
            seeds.append((minx + (i + 0.5) * spacing + jx, miny + (j + 0.5) * spacing + jy))
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area.envelope.buffer(spacing))
    blocks = []
    for cell in shapely.normalize(cells).geoms:
        blocks += [p for p in parts(cell.intersection(area)) if p.geom_type == "Polygon"]
    return sorted(
        (b for b in blocks if b.area > 40_000.0), key=lambda b: (b.centroid.y, b.centroid.x)
    )


def terrace_parcels(block: Polygon, angle: float, sizes, rng: np.random.Generator) -> list[Polygon]:
    """Rows of parcels along `angle` (degrees), laid out in the block's rotated frame."""
    origin = block.centroid
    local = affinity.rotate(block, -angle, origin=origin)
    shapely.prepare(local)
    minx, miny, maxx, maxy = local.bounds
    amp, wavelength, phase = rng.uniform(3, 8), rng.uniform(600, 1200), rng.uniform(0, 2 * math.pi)

    def bend(u: float) -> float:
        return amp * math.sin(2 * math.pi * u / wavelength + phase)

    result = []
    v = miny + rng.uniform(0, 15)
    while v < maxy:
        (widths, lengths), riser = sizes, rng.uniform(7, 11)
        width = rng.uniform(*widths)
        v0, v1 = v + riser / 2, v + width - riser / 2
        edges, u = [], minx - rng.uniform(0, 120)
        while u < maxx + 120:
            edges.append((u, rng.uniform(-12, 12)))
            u += min(max(rng.uniform(*lengths), 3_300 / (width - riser) + 8), 37_000 / width)
        for (u0, s0), (u1, s1) in zip(edges, edges[1:], strict=False):
            path = rng.uniform(2.5, 4.0)
            jitter = rng.uniform(-1.5, 1.5, 8)
            corners = [
                (u0 - s0 / 2 + path, v0 + bend(u0 - s0 / 2)),
                (u1 - s1 / 2 - path, v0 + bend(u1 - s1 / 2)),
                (u1 + s1 / 2 - path, v1 + bend(u1 + s1 / 2)),
                (u0 + s0 / 2 + path, v1 + bend(u0 + s0 / 2)),
            ]
            corners = [
                (x + jitter[2 * i], y + jitter[2 * i + 1]) for i, (x, y) in enumerate(corners)
            ]
            if rng.random() < 0.35:  # a fifth vertex: a notch in the upper edge
                (xa, ya), (xb, yb) = corners[2], corners[3]
                corners.insert(3, ((xa + xb) / 2, (ya + yb) / 2 - rng.uniform(3, 9)))
            if rng.random() < 0.06:
                continue  # left fallow / grass strip
            parcel = fitted(Polygon(corners), local)
            if parcel is not None and MIN_M2 <= parcel.area <= MAX_M2:
                result.append(affinity.rotate(parcel, angle, origin=origin))
        v += width
    return result


def fitted(parcel: Polygon, block: Polygon) -> Polygon | None:
    """The parcel, cut to the block where it sticks out if that leaves at most six corners."""
    if block.contains(parcel):
        return parcel
    cut = parcel.intersection(block)
    if cut.geom_type != "Polygon" or cut.interiors:
        return None
    cut = cut.simplify(0.5)
    return cut if len(cut.exterior.coords) <= 7 and cut.is_valid else None


def land_class(distance_to_river: float, rng: np.random.Generator) -> str:
    draw = rng.random()
    if distance_to_river < 600 and draw < 0.03:
        return "0101"
    irrigated = 0.45 if distance_to_river < 400 else 0.18 if distance_to_river < 900 else 0.04
    return "0102" if draw < irrigated else "0103"


def build_parcels(town: Town) -> list[Parcel]:
    rng = np.random.default_rng(SEED)
    terrain = Terrain(town, rng)
    polygons = []
    for block in farm_blocks(farmable_area(town), rng):
        c = block.centroid
        gx, gy = terrain.gradient(c.x, c.y)
        slope = float(terrain.slope_degrees(c.x, c.y))
        if rng.random() > (0.95 if slope < 8 else 0.8):
            continue  # woodland or grassland block
        along_contour = math.degrees(math.atan2(float(gy), float(gx))) + 90.0
        sizes = GENTLE if slope < 3 else STEEP
        polygons += terrace_parcels(block, along_contour, sizes, rng)
    polygons = without_overlaps(polygons)
    parcels = []
    for polygon in polygons:
        inside = polygon.representative_point()
        village = town.territory_of(inside)
        degrees = float(terrain.slope_degrees(inside.x, inside.y))
        code = land_class(town.river.distance(inside), rng)
        parcels.append(Parcel(polygon, code, slope_class(degrees), village.code, village.short))
    return sorted(
        parcels,
        key=lambda p: (p.village_code, -round(p.geometry.centroid.y), round(p.geometry.centroid.x)),
    )


def without_overlaps(polygons: list[Polygon]) -> list[Polygon]:
    """Drops the later of any two touching parcels (a safety net; the layout avoids them)."""
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    dropped = {int(j) for i, j in zip(left, right, strict=True) if i < j}
    return [p for k, p in enumerate(polygons) if k not in dropped]
