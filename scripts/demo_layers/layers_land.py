"""Layers of plan chapters 4-5 (演示数据): industry and tourism, agriculture, townscape, ecological
restoration and land consolidation, placed on the skeleton of town.py.
"""

from __future__ import annotations

import shapely
from shapely.ops import substring

from .catalogue import (
    CAIKUANG,
    GENGDI,
    GONGYE,
    LINDI,
    MC,
    MJ,
    MJGQ,
    SHUIYU,
    dot,
    fill,
    ysdm,
)
from .common import Layer, category, largest, parts, spline
from .farmland import Parcel
from .town import Town

PARK_ROLES = {
    "矿产资源高效开发板块": "矿产资源高效开发与利用",
    "耐火原料加工板块": "耐火原料加工",
    "耐火材料制品制造板块": "新型耐火材料制造",
    "资源综合利用板块": "工业固废等资源综合利用",
    "生产性服务业支撑板块": "仓储物流、研发检测等生产性服务",
    "工程服务支撑板块": "工程技术与设备服务",
}
MINING_VILLAGES = ("柳湾矿社区", "柳湾村", "马庄村", "老营坪村", "教场村", "禅房头村", "甘窑村")
FARM_REGIONS = {  # the rest of the town is the 南部农业生产片区
    "北部农业生产片区": "仲家山村 大胜村 西上庄村 吕居堡村 苏家沿村 核桃洼村 "
    "柏子沟村 春塔村 河北村",
    "西南部农业生产片区": "瓦窑坡村 师家庄村 安乐村 西张家庄村 甘窑村 教场村 "
    "禅房头村 克俄村 西河底村",
}


# ---------------------------------------------------------------- chapter 4


def industry(town: Town) -> Layer:
    features = [
        (
            town.core,
            {
                "MC": "镇政府驻地综合服务中心",
                "JGYS": "一心",
                "BKLX": "综合服务中心",
                "GNDW": "新材料产业园综合配套服务保障基地，镇域旅游综合服务",
            },
        ),
    ]
    for name, kind, geom in town.park_blocks:
        features.append(
            (
                geom,
                {
                    "MC": f"新材料产业园·{name}",
                    "JGYS": "一园",
                    "BKLX": kind,
                    "GNDW": PARK_ROLES[name],
                },
            )
        )
    return Layer(
        slug="cybj",
        code="CYBJ",
        title="产业布局（示意）",
        chapter=4,
        section="4.1",
        description="规划形成“一心一园一线”的产业布局：镇政府驻地综合服务中心；新材料产业园含矿产资源"
        "高效开发、耐火原料加工、耐火材料制品制造、资源综合利用4个工业板块和生产性服务业、工程服务"
        "2个支撑板块（草案4.1）。范围为演示数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field="BKLX",
        attributes=[
            MC,
            ("JGYS", "结构要素", "string"),
            ("BKLX", "板块类型", "string"),
            ("GNDW", "功能定位", "string"),
            MJ,
        ],
        features=features,
        style=fill("#6b4f2a", GONGYE, 0.55),
        categories=[
            category("综合服务中心", fillColor="#ff6f61"),
            category("工业板块", fillColor=GONGYE),
            category("支撑板块", fillColor="#c9b3e6"),
        ],
        ysdm=ysdm("4.1", 1),
    )


def tourism_route(town: Town) -> Layer:
    stops = [
        "阳泉曲社区",
        "阳泉曲村",
        "核桃洼村",
        "苏家沿村",
        "仲家山村",
        "吕居堡村",
        "西上庄村",
        "西河底村",
    ]
    xy = [(town.village(s).point.x + 120.0, town.village(s).point.y + 90.0) for s in stops]
    route = spline(xy, step=40.0).intersection(town.extent)
    props = {
        "MC": "历史文化生态旅游线",
        "JGYS": "一线",
        "SM": "结合河流水系、丘陵梯田、历史文物等优势，发展“文旅+农业”（线路走向为示意）",
    }
    return Layer(
        slug="lyx",
        code="LYX",
        title="历史文化生态旅游线（示意）",
        chapter=4,
        section="4.1",
        description="结合阳泉曲镇河流水系、丘陵梯田、历史文物等方面优势，大力发展“文旅+农业”产业"
        "（草案4.1“一线”）。线路为演示数据。",
        geometry_type="LineString",
        name_field="MC",
        category_field=None,
        attributes=[MC, ("JGYS", "结构要素", "string"), ("SM", "说明", "string")],
        features=[(largest(route), props)],
        style={"color": "#1a9850", "weight": 4, "dashArray": "10 6", "opacity": 0.9},
        ysdm=ysdm("4.1", 2),
    )


def farm_regions(town: Town, parcels: list[Parcel]) -> Layer:
    groups = {name: town.union_of(shorts.split()) for name, shorts in FARM_REGIONS.items()}
    groups["南部农业生产片区"] = town.extent.difference(shapely.union_all(list(groups.values())))
    features = []
    for name, region in groups.items():
        own = [p.geometry for p in parcels if region.contains(p.geometry.representative_point())]
        patch = shapely.union_all([g.buffer(90.0, quad_segs=2) for g in own]).buffer(-60.0)
        patch = shapely.union_all([g for g in parts(patch) if g.area > 300_000.0])
        patch = patch.simplify(20.0).intersection(region).difference(town.built_up())
        features.append((patch, {"MC": name, "ZDCY": "玉米等种植业，蘑菇生产基地等特色产业"}))
    return Layer(
        slug="nypq",
        code="NYPQ",
        title="农业生产片区（示意）",
        chapter=4,
        section="4.2",
        description="依托长期稳定利用耕地和粮食生产功能区形成主要农业生产片区，利用丘陵区梯田稳步发展"
        "玉米等种植业（草案4.2“连片多点”）。片区的划分、名称与范围均为演示数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field=None,
        attributes=[MC, ("ZDCY", "主导产业", "string"), MJ],
        features=features,
        style=fill("#9a9a4a", GENGDI, 0.6),
        ysdm=ysdm("4.2", 1),
    )


def farm_bases(town: Town) -> Layer:
    # The draft names the kinds of base but no site and no village, so the points are unnamed
    # and carry no 所在村: a base named after one village and drawn in another misleads both.
    bases = [
        ("肉鸡养殖基地", (-1.75, 4.05)),
        ("肉鸡养殖基地", (-2.75, -2.2)),
        ("生态养猪基地", (-3.6, 3.25)),
        ("生态养猪基地", (0.7, -7.0)),
        ("蘑菇生产基地", (-0.8, -4.35)),
    ]
    features = [
        (town.frame.point(*km), {"MC": f"{kind}（示意）", "JDLX": kind}) for kind, km in bases
    ]
    return Layer(
        slug="nyjd",
        code="NYJD",
        title="农业产业基地（示意）",
        chapter=4,
        section="4.2",
        description="集中连片建设肉鸡养殖基地、生态养猪基地等现代畜禽养殖业，同步发展蘑菇生产基地等"
        "特色产业（草案4.2）。草案未列明基地的名称和所在村，点位为演示数据。",
        geometry_type="Point",
        name_field="MC",
        category_field="JDLX",
        attributes=[MC, ("JDLX", "基地类型", "string")],
        features=features,
        style=dot("#5a3d1e", "#ff9f40", radius=7),
        categories=[
            category("肉鸡养殖基地", fillColor="#ff9f40"),
            category("生态养猪基地", fillColor="#e377c2"),
            category("蘑菇生产基地", fillColor="#8c564b"),
        ],
        ysdm=ysdm("4.2", 2),
    )


def townscape(town: Town) -> Layer:
    seat = shapely.union_all([g for c, _, g in town.czkfbj if c == "镇政府驻地"])
    park = shapely.union_all([g for c, _, g in town.czkfbj if c == "新材料产业园"])
    small_town = seat.convex_hull.buffer(200.0).intersection(town.extent)
    industrial = park.convex_hull.buffer(300.0).intersection(town.extent).difference(small_town)
    mining = town.union_of(MINING_VILLAGES)
    mining = mining.union(town.areas["矿山修复·克俄村"].buffer(300.0)).intersection(town.extent)
    mining = mining.difference(small_town).difference(industrial)
    rest = town.extent.difference(shapely.union_all([small_town, industrial, mining]))
    rest = shapely.union_all([g for g in parts(rest) if g.area > 1.0])  # no zero-area slivers
    zones = [
        ("山野风光风貌区", rest, "保护农业生产空间和山野田园景观，维持丘陵梯田的大地景观肌理"),
        ("矿山生态修复风貌区", mining, "矿产资源开采基地、水土保持重点治理与山林绿化保育区"),
        ("工业产业风貌区", industrial, "依托新材料产业园，建筑简洁明快、布局密集规整的产业展示区"),
        ("特色小镇风貌区", small_town, "依托镇政府驻地，沿国道340线、省道321线塑造城镇特色风貌"),
    ]
    return Layer(
        slug="fmfq",
        code="FMFQ",
        title="风貌分区（示意）",
        chapter=4,
        section="4.3",
        description="确定“工矿小镇、山水田野”的风貌总体定位，分为矿山生态修复、山野风光、工业产业、"
        "特色小镇四个风貌区（草案4.3）。范围为演示数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field="MC",
        attributes=[MC, ("FMDW", "风貌定位", "string"), MJ],
        features=[(g, {"MC": n, "FMDW": t}) for n, g, t in zones],
        style=fill("#555555", LINDI, 0.35),
        categories=[
            category("矿山生态修复风貌区", fillColor=CAIKUANG),
            category("山野风光风貌区", fillColor=LINDI),
            category("工业产业风貌区", fillColor=GONGYE),
            category("特色小镇风貌区", fillColor="#ff8585"),
        ],
        ysdm=ysdm("4.3", 1),
    )


# ---------------------------------------------------------------- chapter 5


MINING_AREAS = {  # 草案5.1 "主要涉及河北村、老营坪村、教场村、铝矿社区、克俄村等区域"
    "矿山修复·河北村": "河北村",
    "矿山修复·老营坪村": "老营坪村",
    "矿山修复·教场村": "教场村",
    "矿山修复·铝矿片区": "铝矿社区",
    "矿山修复·克俄村": "克俄村",
}
LEVEL_NOT_LISTED = "草案未逐片列明"


def restoration(town: Town) -> Layer:
    """5.1's four kinds of 重点工程. The draft names a 国家级 (西辛庄) and a 省级 programme over
    five areas without saying which area belongs to which, and names no other project: the
    areas carry the area's own name from 5.1, no level, and no invented project name."""
    built, a = town.built_up(), town.areas
    river = town.river
    source = substring(river, 0.0, 1200.0).buffer(300.0).intersection(town.extent)
    upstream = river.buffer(600.0).difference(river.buffer(150.0))
    upstream = upstream.intersection(shapely.box(*town.frame.xy(-9, -9), *town.frame.xy(-2.8, 9)))
    gullies = [line.buffer(250.0).difference(river.buffer(150.0)) for _, line in town.tributaries]
    projects = [
        (f"矿山生态修复区域（{place}）", "矿山生态修复", place, a[key])
        for key, place in MINING_AREAS.items()
    ]
    projects += [
        ("森林生态修复区域（示意）", "森林生态修复", "", g)
        for n, g in a.items()
        if n.startswith("森林")
    ]
    projects += [
        ("兑镇河水土保持治理（示意）", "水土保持治理", "", upstream),
        ("水土保持治理区域（示意）", "水土保持治理", "", gullies[0]),
        ("水土保持治理区域（示意）", "水土保持治理", "", gullies[1]),
        ("兑镇河源头水环境治理（示意）", "水环境和水生态修复", "", source),
        (
            "兑镇河水环境和水生态综合整治（示意）",
            "水环境和水生态修复",
            "",
            river.buffer(120.0).difference(source),
        ),
    ]
    features = []
    for name, kind, place, geom in projects:
        geom = geom.intersection(town.extent).difference(built)
        if place and place in {v.short for v in town.villages}:
            assert town.territory_of(geom.representative_point()).short == place, place
        features.append(
            (geom, {"XMMC": name, "XFLX": kind, "XMJB": LEVEL_NOT_LISTED, "SJC": place})
        )
    return Layer(
        slug="stxf",
        code="STXF",
        title="生态修复重点工程（示意）",
        chapter=5,
        section="5.1",
        description="矿山生态修复（系统推进国家级西辛庄矿山修复项目及省级矿山修复项目，主要涉及河北村、"
        "老营坪村、教场村、铝矿社区、克俄村等区域）、森林生态修复、兑镇河水土保持治理、水环境和水生态"
        "修复重点工程（草案5.1）。草案未逐片列明项目级别，也未列明其他项目名称；铝矿社区已不是2023年"
        "的村级单位，其区域位置为示意。范围与面积为演示数据。",
        geometry_type="Polygon",
        name_field="XMMC",
        category_field="XFLX",
        attributes=[
            ("XMMC", "名称", "string"),
            ("XFLX", "修复类型", "string"),
            ("XMJB", "项目级别", "string"),
            ("SJC", "草案所列涉及区域", "string", False),
            MJ,
            MJGQ,
        ],
        features=features,
        style=fill("#555555", LINDI, 0.45),
        categories=[
            category("矿山生态修复", fillColor=CAIKUANG),
            category("森林生态修复", fillColor=LINDI),
            category("水土保持治理", fillColor="#cdf57a"),
            category("水环境和水生态修复", fillColor=SHUIYU),
        ],
        ysdm=ysdm("5.1", 1),
    )


def consolidation(town: Town) -> Layer:
    """5.2's kinds of 土地综合整治, unnamed and with no 涉及村: the draft names no site. There is
    no 农村建设用地整理 feature at all, since on a map it reads as "this village's land will be
    cleared", which the draft never says of any village."""
    a, built = town.areas, town.built_up()
    keep_out = shapely.union_all(
        [built, *(v.point.buffer(250.0) for v in town.villages)]
        + [g for n, g in a.items() if n.startswith("森林")]
    )
    projects = [
        ("坡耕地综合治理（示意）", "农用地整理", g.difference(keep_out))
        for n, g in a.items()
        if n.startswith("农用地整理")
    ]
    for prefix, kind, name in (
        ("未利用地", "未利用地开发", "宜耕后备资源开发（示意）"),
        ("采矿复垦", "采矿用地复垦", "工矿废弃地复垦（示意）"),
    ):
        projects += [(name, kind, g) for n, g in a.items() if n.startswith(prefix)]
    features = [(g, {"XMMC": name, "ZZLX": kind}) for name, kind, g in projects]
    return Layer(
        slug="tdzz",
        code="TDZZ",
        title="土地综合整治（示意）",
        chapter=5,
        section="5.2",
        description="开展农用地整理（坡耕地综合治理、高标准农田）、农村建设用地整理、未利用地开发和"
        "采矿用地复垦（草案5.2）。草案未列明整治地块；农村建设用地整理不上图，其余范围为演示数据。",
        geometry_type="Polygon",
        name_field="XMMC",
        category_field="ZZLX",
        attributes=[
            ("XMMC", "名称", "string"),
            ("ZZLX", "整治类型", "string"),
            MJ,
            MJGQ,
        ],
        features=features,
        style=fill("#555555", GENGDI, 0.5),
        categories=[
            category("农用地整理", fillColor="#e5e89a"),
            category("未利用地开发", fillColor="#d9d9d9"),
            category("采矿用地复垦", fillColor="#c8a08a"),
        ],
        ysdm=ysdm("5.2", 1),
    )


def land_layers(town: Town, parcels: list[Parcel]) -> list[Layer]:
    return [
        industry(town),
        tourism_route(town),
        farm_regions(town, parcels),
        farm_bases(town),
        townscape(town),
        restoration(town),
        consolidation(town),
    ]
