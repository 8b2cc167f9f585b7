"""Layers of plan chapters 4-8: industry, agriculture, townscape, restoration, the seat, transport,
facilities, hazards and near-term projects. All 演示数据 placed on the skeleton of town.py.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.ops import substring

from .common import Layer, blob, category, largest, parts, spline
from .farmland import Parcel
from .layers_base import (
    BZ,
    CAIKUANG,
    GENGDI,
    GONGYE,
    GONGYONG,
    JIAOTONG,
    LINDI,
    MC,
    MJ,
    MJGQ,
    ORANGE,
    PURPLE,
    RED,
    SHUIYU,
    ZHAIJIDI,
    dot,
    fill,
    union_of,
    ysdm,
)
from .town import Town

SEED = 4_1_2035
NEAR_TERM = "近期（2021-2025）"
ROUTES = "202路、205路"
JIAOYU, YILIAO, WENHUA, TIYU, FULI = "#ff85c9", "#ff7f7e", "#ff9f1c", "#2ca25f", "#e377c2"
LAND_USE = {
    "0803": "文化用地",
    "0804": "教育用地",
    "0805": "体育用地",
    "0806": "医疗卫生用地",
    "0807": "社会福利用地",
    "1302": "排水用地",
    "1303": "供电用地",
    "1304": "供燃气用地",
    "1309": "环卫用地",
    "1310": "消防用地",
}
PARK_ROLES = {
    "矿产资源高效开发板块": "矿产资源高效开发与利用",
    "耐火原料加工板块": "耐火原料加工",
    "耐火材料制品制造板块": "新型耐火材料制造",
    "资源综合利用板块": "工业固废等资源综合利用",
    "生产性服务业支撑板块": "仓储物流、研发检测等生产性服务",
    "工程服务支撑板块": "工程技术与设备服务",
}
FARM_REGIONS = {
    "北部农业生产片区": (
        "仲家山村",
        "大胜村",
        "西上庄村",
        "吕居堡村",
        "苏家沿村",
        "核桃洼村",
        "柏子沟村",
        "春塔村",
        "河北村",
    ),
    "西南部农业生产片区": (
        "瓦窑坡村",
        "师家庄村",
        "安乐村",
        "西张家庄村",
        "甘窑村",
        "教场村",
        "禅房头村",
        "克俄村",
        "西河底村",
    ),
}


def service_core(town: Town):
    """The seat's 综合服务中心 (一心), shared by the industry and seat-structure layers."""
    rng = np.random.default_rng(SEED)
    core = blob(town.frame.xy(0.1, 0.0), 170.0, rng, stretch=1.5, angle=5, rough=0.12)
    return largest(core.intersection(town.zhudi))


def village_of(town: Town, point: Point) -> str:
    return town.territory_of(point).short


def villages_touching(town: Town, geom) -> str:
    names = [v.short for v in town.villages if town.territories[v.code].intersects(geom)]
    return "、".join(names)


# ---------------------------------------------------------------- chapter 4


def industry(town: Town) -> Layer:
    features = [
        (
            service_core(town),
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
        "河北村",
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
        "SM": "串联兑镇河水系、丘陵梯田与特色保护类村庄，发展“文旅+农业”",
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
    groups = {name: union_of(town, shorts) for name, shorts in FARM_REGIONS.items()}
    groups["南部农业生产片区"] = town.extent.difference(shapely.union_all(list(groups.values())))
    features = []
    for name, region in groups.items():
        own = [p.geometry for p in parcels if region.contains(p.geometry.representative_point())]
        patch = shapely.union_all([g.buffer(90.0, quad_segs=2) for g in own]).buffer(-60.0)
        patch = shapely.union_all([g for g in parts(patch) if g.area > 300_000.0])
        patch = patch.simplify(20.0).intersection(region).difference(town.built_up())
        farmed = sum(g.area for g in own) / 10_000.0
        features.append(
            (
                patch,
                {
                    "MC": name,
                    "ZDCY": "玉米等粮食种植，配套蘑菇等特色种植",
                    "NTMJ": round(farmed, 2),
                },
            )
        )
    return Layer(
        slug="nypq",
        code="NYPQ",
        title="农业生产片区（示意）",
        chapter=4,
        section="4.2",
        description="依托长期稳定利用耕地和粮食生产功能区形成主要农业生产片区，利用丘陵区梯田稳步发展"
        "玉米等种植业（草案4.2“连片多点”）。片区为示意永久基本农田的集中连片范围（演示数据）。",
        geometry_type="Polygon",
        name_field="MC",
        category_field=None,
        attributes=[
            MC,
            ("ZDCY", "主导产业", "string"),
            ("NTMJ", "片区内永久基本农田面积（公顷）", "number"),
            MJ,
        ],
        features=features,
        style=fill("#9a9a4a", GENGDI, 0.6),
        ysdm=ysdm("4.2", 1),
    )


def farm_bases(town: Town) -> Layer:
    bases = [
        ("大胜肉鸡养殖基地", "肉鸡养殖基地", (-1.75, 4.05)),
        ("安乐肉鸡养殖基地", "肉鸡养殖基地", (-2.75, -2.2)),
        ("吕居堡生态养猪基地", "生态养猪基地", (-3.6, 3.25)),
        ("段封生态养猪基地", "生态养猪基地", (0.7, -7.0)),
        ("碾头蘑菇生产基地", "蘑菇生产基地", (-0.8, -4.35)),
    ]
    features = []
    for name, kind, km in bases:
        point = town.frame.point(*km)
        features.append((point, {"MC": name, "JDLX": kind, "SZC": village_of(town, point)}))
    return Layer(
        slug="nyjd",
        code="NYJD",
        title="农业产业基地（示意）",
        chapter=4,
        section="4.2",
        description="集中连片建设肉鸡养殖基地、生态养猪基地等现代畜禽养殖业，同步发展蘑菇生产基地等"
        "特色产业（草案4.2）。点位为演示数据。",
        geometry_type="Point",
        name_field="MC",
        category_field="JDLX",
        attributes=[MC, ("JDLX", "基地类型", "string"), ("SZC", "所在村", "string")],
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
    mining = union_of(
        town, ("柳湾矿社区", "柳湾村", "马庄村", "老营坪村", "教场村", "禅房头村", "甘窑村")
    )
    mining = mining.union(town.areas["矿山修复·克俄村"].buffer(300.0)).intersection(town.extent)
    mining = mining.difference(small_town).difference(industrial)
    rest = town.extent.difference(shapely.union_all([small_town, industrial, mining]))
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


def restoration(town: Town) -> Layer:
    built, a = town.built_up(), town.areas
    river = town.river
    source = substring(river, 0.0, 1200.0).buffer(300.0).intersection(town.extent)
    upstream = river.buffer(600.0).difference(river.buffer(150.0))
    upstream = upstream.intersection(shapely.box(*town.frame.xy(-9, -9), *town.frame.xy(-2.8, 9)))
    gullies = [line.buffer(250.0).difference(river.buffer(150.0)) for _, line in town.tributaries]
    projects = [
        ("河北村矿山生态修复", "矿山生态修复", "省级", a["矿山修复·河北村"]),
        ("老营坪村矿山生态修复", "矿山生态修复", "省级", a["矿山修复·老营坪村"]),
        ("西辛庄矿山修复项目（教场村片区）", "矿山生态修复", "国家级", a["矿山修复·教场村"]),
        ("铝矿片区矿山生态修复", "矿山生态修复", "省级", a["矿山修复·铝矿片区"]),
        ("克俄村矿山生态修复", "矿山生态修复", "省级", a["矿山修复·克俄村"]),
        *(
            (f"{n.split('·')[1]}森林生态修复", "森林生态修复", "镇级", g)
            for n, g in a.items()
            if n.startswith("森林")
        ),
        ("兑镇河上游水土保持治理", "水土保持治理", "镇级", upstream),
        ("北支沟淤地坝与旱作梯田治理", "水土保持治理", "镇级", gullies[0]),
        ("南支沟淤地坝与旱作梯田治理", "水土保持治理", "镇级", gullies[1]),
        ("兑镇河源头水环境提升", "水环境和水生态修复", "镇级", source),
        (
            "兑镇河水环境和水生态综合整治",
            "水环境和水生态修复",
            "镇级",
            river.buffer(120.0).difference(source),
        ),
    ]
    features = []
    for name, kind, level, geom in projects:
        geom = geom.intersection(town.extent).difference(built)
        features.append(
            (
                geom,
                {"XMMC": name, "XFLX": kind, "XMJB": level, "SJC": villages_touching(town, geom)},
            )
        )
    return Layer(
        slug="stxf",
        code="STXF",
        title="生态修复重点工程（示意）",
        chapter=5,
        section="5.1",
        description="矿山生态修复（国家级西辛庄矿山修复项目及省级项目，涉及河北村、老营坪村、教场村、"
        "铝矿社区、克俄村等区域）、森林生态修复、兑镇河水土保持治理、水环境和水生态修复重点工程"
        "（草案5.1）。铝矿社区已不是2023年的村级单位，此处称铝矿片区；范围为演示数据。",
        geometry_type="Polygon",
        name_field="XMMC",
        category_field="XFLX",
        attributes=[
            ("XMMC", "项目名称", "string"),
            ("XFLX", "修复类型", "string"),
            ("XMJB", "项目级别", "string"),
            ("SJC", "涉及村（社区）", "string"),
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
    rng = np.random.default_rng(SEED + 52)
    a, built = town.areas, town.built_up()
    keep_out = shapely.union_all(
        [built, *(v.point.buffer(250.0) for v in town.villages)]
        + [g for n, g in a.items() if n.startswith("森林")]
    )
    projects = [
        (f"{n.split('·')[1]}坡耕地综合治理", "农用地整理", g.difference(keep_out))
        for n, g in a.items()
        if n.startswith("农用地整理")
    ]
    for v in town.villages:
        if v.cls == "搬迁撤并类":
            area = blob((v.point.x, v.point.y), 170.0, rng)
            projects.append((f"{v.short}农村建设用地整理", "农村建设用地整理", area))
    for prefix, kind, suffix in (
        ("未利用地", "未利用地开发", "宜耕后备资源开发"),
        ("采矿复垦", "采矿用地复垦", "工矿废弃地复垦"),
    ):
        for n, g in a.items():
            if n.startswith(prefix):
                projects.append((f"{n.split('·')[1]}{suffix}", kind, g))
    features = [
        (g, {"XMMC": name, "ZZLX": kind, "SJC": villages_touching(town, g)})
        for name, kind, g in projects
    ]
    return Layer(
        slug="tdzz",
        code="TDZZ",
        title="土地综合整治（示意）",
        chapter=5,
        section="5.2",
        description="开展农用地整理（坡耕地综合治理、高标准农田）、农村建设用地整理、未利用地开发和"
        "采矿用地复垦（草案5.2）。范围为演示数据。",
        geometry_type="Polygon",
        name_field="XMMC",
        category_field="ZZLX",
        attributes=[
            ("XMMC", "项目名称", "string"),
            ("ZZLX", "整治类型", "string"),
            ("SJC", "涉及村（社区）", "string"),
            MJ,
            MJGQ,
        ],
        features=features,
        style=fill("#555555", GENGDI, 0.5),
        categories=[
            category("农用地整理", fillColor="#e5e89a"),
            category("农村建设用地整理", fillColor=ZHAIJIDI),
            category("未利用地开发", fillColor="#d9d9d9"),
            category("采矿用地复垦", fillColor="#c8a08a"),
        ],
        ysdm=ysdm("5.2", 1),
    )


# ---------------------------------------------------------------- chapter 6


def seat_range(town: Town) -> Layer:
    bounds = (
        "东至阳泉曲镇镇域边界，南至阳泉曲村工业及采矿用地边界，西至专线001线西侧，"
        "北至阳泉曲村村庄集中建设用地边界"
    )
    return Layer(
        slug="zdfw",
        code="ZDFW",
        title="镇政府驻地范围（示意）",
        chapter=6,
        section="6.1",
        description="镇政府驻地范围以同级城镇开发边界与镇政府所在地的村庄建设边界为规划范围，总面积"
        "118.13公顷（草案6.1）。范围形状为演示数据，面积按草案取值（CGCS2000 3度带37带投影计算）。",
        geometry_type="Polygon",
        name_field="MC",
        category_field=None,
        attributes=[MC, ("FWMS", "范围描述", "string"), MJ, MJGQ],
        features=[(town.zhudi, {"MC": "阳泉曲镇镇政府驻地范围", "FWMS": bounds})],
        style={"color": PURPLE, "weight": 2.5, "fillColor": "#f1b6da", "fillOpacity": 0.2},
        ysdm=ysdm("6.1", 1),
    )


def seat_structure(town: Town) -> Layer:
    f, zhudi = town.frame, town.zhudi
    west = shapely.box(*f.xy(-3, -3), *f.xy(-0.2, 3))
    middle = shapely.box(*f.xy(-0.2, -3), *f.xy(0.45, 3))
    east = zhudi.difference(west).difference(middle)
    north = town.road("S321").line.offset_curve(-100.0).buffer(3000.0, single_sided=True)
    zones = [
        (
            "交通枢纽区",
            "四区",
            zhudi.intersection(west),
            "国道340线与专线001线、乡道009线交汇，西部衔接优化",
        ),
        (
            "综合服务区",
            "四区",
            zhudi.intersection(middle),
            "镇政府、学校、卫生院等综合服务，北部提升改造",
        ),
        ("宜居生活区", "四区", east.intersection(north), "沿省道321线的居住生活区，东部衔接互通"),
        ("产业发展区", "四区", east.difference(north), "南部产业整合升级，衔接工业及采矿用地"),
        ("一河", "一河", town.river.buffer(30.0).intersection(zhudi), "依托兑镇河打造生态公园带"),
        (
            "一轴",
            "一轴",
            shapely.union_all([town.road(c).line for c in ("G340", "S321")])
            .buffer(18.0)
            .intersection(zhudi),
            "国道340线及省道321线：经济发展轴、对外交通轴、产业文化展示轴",
        ),
        ("一心", "一心", service_core(town), "综合服务中心，承担镇政府驻地的主要服务"),
    ]
    return Layer(
        slug="zdjg",
        code="ZDJG",
        title="镇政府驻地空间结构（示意）",
        chapter=6,
        section="6.2",
        description="镇政府驻地形成“一河、一轴、一心、四区”空间结构：兑镇河生态公园带，国道340线及"
        "省道321线发展轴，综合服务中心，综合服务区、产业发展区、交通枢纽区、宜居生活区（草案6.2）。"
        "范围为演示数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field="GNFQ",
        attributes=[
            MC,
            ("JGYS", "结构要素", "string"),
            ("GNFQ", "功能分区", "string"),
            ("SM", "说明", "string"),
            MJ,
        ],
        features=[
            (largest(g) if j != "一轴" else g, {"MC": n, "JGYS": j, "GNFQ": n, "SM": t})
            for n, j, g, t in zones
        ],
        style=fill("#555555", "#fbb4ae", 0.45),
        categories=[
            category("综合服务区", fillColor="#fb9a99"),
            category("产业发展区", fillColor=GONGYE),
            category("交通枢纽区", fillColor=JIAOTONG),
            category("宜居生活区", fillColor=ZHAIJIDI),
            category("一河", color=SHUIYU, fillColor=SHUIYU, fillOpacity=0.6),
            category("一轴", color=ORANGE, fillColor=ORANGE, fillOpacity=0.6),
            category("一心", color=RED, fillColor=RED, fillOpacity=0.6),
        ],
        ysdm=ysdm("6.2", 1),
    )


# ---------------------------------------------------------------- chapter 7


def roads(town: Town) -> Layer:
    features = [
        (r.line, {"LXBM": r.code, "MC": r.name, "DLDJ": r.grade, "ZT": r.status, "BZ": r.note})
        for r in town.roads + town.streets
    ]
    return Layer(
        slug="dl",
        code="DL",
        title="道路（示意）",
        chapter=7,
        section="7.1",
        description="干线公路网“两横一环多支”：两横为国道340线、省道321线（孝石线），一环为省道321线、"
        "省道240新线、Z001专线，多支为乡道009线与乡村道路；落实S66线汾石高速过境建设；镇政府驻地"
        "形成“三横四纵”路网（草案7.1）。线位为演示数据。",
        geometry_type="LineString",
        name_field="MC",
        category_field="DLDJ",
        attributes=[
            ("LXBM", "路线编码", "string"),
            MC,
            ("DLDJ", "道路等级", "string"),
            ("ZT", "建设状态", "string"),
            BZ,
        ],
        features=features,
        style={"color": "#888888", "weight": 2, "opacity": 0.95},
        categories=[
            category("高速公路", "高速公路（规划）", color=ORANGE, weight=5, dashArray="10 6"),
            category("国道", color="#d7301f", weight=4),
            category("省道", color="#fc8d59", weight=3.5),
            category("专用公路", color="#8c6d31", weight=3),
            category("县乡道", color="#e6a15c", weight=2.5),
            category("村道", color="#9a9a9a", weight=1.5),
            category("镇区道路", color="#666666", weight=1.5),
        ],
        ysdm=ysdm("7.1", 1),
    )


def bus_stops(town: Town) -> Layer:
    stops = [
        ("镇政府驻地站", "镇政府驻地", town.seat, "S321", 0.0),
        ("阳泉曲派出所站", "阳泉曲派出所", town.sites["阳泉曲派出所"], "G340", 0.0),
        ("柳湾煤矿站", "柳湾煤矿", town.sites["柳湾煤矿"], "S240", 0.0),
        ("柳湾村站", "柳湾村", town.village("柳湾村").point, "S240", 0.0),
        ("柏子沟村站", "柏子沟村", town.village("柏子沟村").point, "S240", 0.0),
        ("春塔村西站", "春塔村", town.village("春塔村").point, "S321", -250.0),
        ("春塔村东站", "春塔村", town.village("春塔村").point, "S321", 250.0),
        ("甘窑村站", "甘窑村", town.village("甘窑村").point, "Z001", 0.0),
        ("克俄村站", "克俄村", town.village("克俄村").point, "G340", 0.0),
        ("下庄村站", "下庄村", town.village("下庄村").point, "C006", 0.0),
    ]
    features = []
    for name, place, point, code, shift in stops:
        road = town.road(code)
        stop = road.line.interpolate(road.line.project(point) + shift)
        assert stop.distance(point) < 600, name
        features.append((stop, {"MC": name, "KKDD": place, "SZDL": road.name, "XL": ROUTES}))
    return Layer(
        slug="gjzd",
        code="GJZD",
        title="公交站点（示意）",
        chapter=7,
        section="7.1",
        description="镇域规划保留202路、205路公交站点：镇政府驻地1站、阳泉曲派出所1站、柳湾煤矿1站、"
        "柳湾村1站、柏子沟村1站、春塔村2站、甘窑村1站、克俄村1站、下庄村1站（草案7.1）。"
        "站位为演示数据。",
        geometry_type="Point",
        name_field="MC",
        category_field=None,
        attributes=[
            ("MC", "站点名称", "string"),
            ("KKDD", "服务地点", "string"),
            ("SZDL", "所在道路", "string"),
            ("XL", "公交线路", "string"),
        ],
        features=features,
        style=dot("#08519c", "#6baed6", radius=5),
        ysdm=ysdm("7.1", 2),
    )


def _facility(point, name, code, kind, level, status, village, basis) -> tuple:
    props = {
        "MC": name,
        "SSLX": kind,
        "YDYHFLDM": code,
        "YDYHFLMC": LAND_USE[code],
        "JB": level,
        "ZT": status,
        "SZC": village,
        "SM": basis,
    }
    return (point, props)


def public_services(town: Town) -> Layer:
    f = town.frame
    town_level = [
        ("阳泉曲镇中小学", "0804", "教育", "现状", (0.22, 0.17), "推动中小学提质发展"),
        ("镇文化活动中心", "0803", "文化", "规划", (-0.1, 0.05), "镇政府驻地至少建设一处"),
        ("全民健身中心", "0805", "体育", "规划", (0.62, 0.03), "镇政府驻地至少建设一个"),
        ("镇多功能运动场地", "0805", "体育", "规划", (0.72, 0.08), "镇政府驻地多功能运动场地"),
        ("阳泉曲镇卫生院", "0806", "医疗卫生", "改扩建", (0.18, -0.03), "推进扩容提质"),
        ("康养中心", "0807", "社会福利", "改扩建", (-0.05, 0.17), "镇中心幼儿园改造为康养中心"),
    ]
    features = []
    for name, code, kind, status, km, basis in town_level:
        p = f.point(*km)
        assert town.zhudi.contains(p), name
        features.append(_facility(p, name, code, kind, "镇级", status, village_of(town, p), basis))
    for phase, short in (("一期", "碾头村"), ("二期", "老营坪村")):
        v = town.village(short)
        p = Point(v.point.x + 90.0, v.point.y + 70.0)
        features.append(
            _facility(
                p,
                f"{short}日间照料中心（{phase}）",
                "0807",
                "社会福利",
                "镇级",
                "现状",
                short,
                "区域性日间照料中心，持续提升服务功能",
            )
        )
    per_village = [
        ("文化活动室", "0803", "文化", "规划", (70.0, 40.0), "各村（社区）至少建设一处"),
        (
            "卫生服务站",
            "0806",
            "医疗卫生",
            "改扩建",
            (-70.0, 40.0),
            "完善提升各村（社区）卫生服务站",
        ),
        ("多功能运动场地", "0805", "体育", "规划", (0.0, -80.0), "各村（社区）至少建设一处"),
    ]
    for v in town.villages:
        for name, code, kind, status, (dx, dy), basis in per_village:
            p = Point(v.point.x + dx, v.point.y + dy)
            features.append(
                _facility(p, f"{v.short}{name}", code, kind, "村级", status, v.short, basis)
            )
    return Layer(
        slug="ggfw",
        code="GGFWSS",
        title="公共服务设施（示意）",
        chapter=7,
        section="7.2",
        description="教育、文化、体育、医疗卫生、社会福利设施：中小学提质，镇政府驻地文化活动中心、"
        "全民健身中心，各村（社区）文化活动室、多功能运动场地、卫生服务站，卫生院扩容提质，幼儿园改造"
        "康养中心，碾头村、老营坪日间照料中心（草案7.2）。点位为演示数据；用地代码按《国土空间调查、"
        "规划、用途管制用地用海分类指南》（2023）。",
        geometry_type="Point",
        name_field="MC",
        category_field="YDYHFLDM",
        attributes=[
            MC,
            ("SSLX", "设施类型", "string"),
            ("YDYHFLDM", "用地用海分类代码", "string"),
            ("YDYHFLMC", "用地用海分类名称", "string"),
            ("JB", "级别", "string"),
            ("ZT", "状态", "string"),
            ("SZC", "所在村（社区）", "string"),
            ("SM", "规划依据", "string"),
        ],
        features=features,
        style=dot("#444444", "#ffffff", radius=5, weight=1),
        categories=[
            category("0803", "文化用地", fillColor=WENHUA),
            category("0804", "教育用地", fillColor=JIAOYU, radius=7),
            category("0805", "体育用地", fillColor=TIYU),
            category("0806", "医疗卫生用地", fillColor=YILIAO),
            category("0807", "社会福利用地", fillColor=FULI, radius=7),
        ],
        ysdm=ysdm("7.2", 1),
    )


def utilities(town: Town) -> Layer:
    f = town.frame
    items = [
        ("110kV柳湾变电站", "1303", "供电", "规划新建", (2.0, -2.2), "规划新建110kV柳湾变电站"),
        ("阳泉曲变电站（现状）", "1303", "供电", "迁出", (0.55, -0.42), "整站移至申家庄村"),
        (
            "阳泉曲变电站（迁建）",
            "1303",
            "供电",
            "规划迁建",
            (2.1, -4.6),
            "阳泉曲变电站整站移至申家庄村",
        ),
        ("燃气阀室", "1304", "燃气", "现状保留", (-0.9, -0.02), "保留现状阀室，输气管网沿主路延伸"),
        ("镇区污水处理设施", "1302", "排水", "现状提升", (1.35, -0.05), "保留提升现状污水处理设施"),
        ("阳泉曲镇垃圾转运站", "1309", "环卫", "规划", (1.0, -0.55), "落实上位规划垃圾转运站建设"),
        ("镇政府驻地消防站", "1310", "消防", "规划", (-0.3, 0.02), "镇政府驻地建设消防站"),
    ]
    features = []
    for name, code, kind, status, km, basis in items:
        p = f.point(*km)
        props = {
            "MC": name,
            "SSLX": kind,
            "YDYHFLDM": code,
            "YDYHFLMC": LAND_USE[code],
            "ZT": status,
            "SZC": village_of(town, p),
            "SM": basis,
        }
        features.append((p, props))
    return Layer(
        slug="szss",
        code="SZSS",
        title="市政公用设施（示意）",
        chapter=7,
        section="7.3",
        description="规划新建110kV柳湾变电站，阳泉曲变电站整站移至申家庄村；保留现状燃气阀室；保留提升"
        "现状污水处理设施；落实垃圾转运站建设；镇政府驻地建设消防站（草案7.3；兑镇热电厂位于镇域外，"
        "未标注）。点位为演示数据。",
        geometry_type="Point",
        name_field="MC",
        category_field="YDYHFLDM",
        attributes=[
            MC,
            ("SSLX", "设施类型", "string"),
            ("YDYHFLDM", "用地用海分类代码", "string"),
            ("YDYHFLMC", "用地用海分类名称", "string"),
            ("ZT", "状态", "string"),
            ("SZC", "所在村（社区）", "string"),
            ("SM", "规划依据", "string"),
        ],
        features=features,
        style=dot("#003a4d", GONGYONG, radius=6),
        categories=[
            category(code, name, fillColor=color)
            for code, name, color in (
                ("1302", "排水用地", "#2b8cbe"),
                ("1303", "供电用地", "#f0c808"),
                ("1304", "供燃气用地", "#e6550d"),
                ("1309", "环卫用地", "#31a354"),
                ("1310", "消防用地", "#de2d26"),
            )
        ],
        ysdm=ysdm("7.3", 1),
    )


def flood_control(town: Town) -> Layer:
    river = town.river
    features = [
        (
            river.buffer(60.0).intersection(town.extent),
            {"MC": "兑镇河防洪治导线", "KZXLX": "防洪治导线"},
        ),
        (
            river.buffer(30.0).intersection(town.extent),
            {"MC": "兑镇河河道管理线", "KZXLX": "河道管理线"},
        ),
        (town.areas["蓄滞洪区·春塔"], {"MC": "春塔蓄滞洪区", "KZXLX": "蓄滞洪区"}),
        (town.areas["蓄滞洪区·瓦窑坡"], {"MC": "瓦窑坡蓄滞洪区", "KZXLX": "蓄滞洪区"}),
    ]
    for _, props in features:
        props["FHBZ"] = "10年一遇"
    return Layer(
        slug="hlfxkzx",
        code="HLFXKZX",
        title="洪涝风险控制线（示意）",
        chapter=7,
        section="7.3",
        description="划定洪涝风险控制线，主要包括河道管理线、防洪治导线和蓄滞洪区范围；至2035年全镇"
        "防洪标准按10年一遇设防（草案7.3）。范围为演示数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field="KZXLX",
        attributes=[MC, ("KZXLX", "控制线类型", "string"), ("FHBZ", "防洪标准", "string"), MJ],
        features=features,
        style=fill(SHUIYU, SHUIYU, 0.3, weight=1.5),
        categories=[
            category("防洪治导线", color="#08519c", dashArray="6 4", fillOpacity=0),
            category("河道管理线", color=SHUIYU, fillOpacity=0.35),
            category("蓄滞洪区", color="#3182bd", fillColor="#a6cee3", fillOpacity=0.5),
        ],
        ysdm=ysdm("7.3", 2),
    )


def mining_hazards(town: Town) -> Layer:
    hazards = [
        ("柳湾矿采空区", "高", "“边开采边治理”的井下回填", "采空区·柳湾矿"),
        ("河北村采空区", "中", "被破坏土地重新修复为耕地", "采空区·河北村"),
        ("老营坪村采空区", "中", "被破坏土地重新修复为耕地", "采空区·老营坪村"),
    ]
    features = []
    for name, level, remedy, key in hazards:
        geom = town.areas[key]
        features.append(
            (
                geom,
                {
                    "MC": name,
                    "ZHLX": "采空区地面塌陷",
                    "YFCD": level,
                    "FZMS": remedy,
                    "SJC": villages_touching(town, geom),
                },
            )
        )
    return Layer(
        slug="dzzh",
        code="DZZH",
        title="地质灾害·采空区（示意）",
        chapter=7,
        section="7.3",
        description="采空区地面塌陷防治以预防为主、防治结合，主要有压煤村庄整体搬迁、被破坏土地重新"
        "修复为耕地及“边开采边治理”的井下回填等模式（草案7.3）。范围为演示数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field="YFCD",
        attributes=[
            MC,
            ("ZHLX", "灾害类型", "string"),
            ("YFCD", "易发程度", "string"),
            ("FZMS", "防治模式", "string"),
            ("SJC", "涉及村（社区）", "string"),
            MJ,
        ],
        features=features,
        style=fill("#b2182b", "#f4a582", 0.35, weight=1.5, dashArray="5 3"),
        categories=[
            category("高", "高易发", fillColor="#d6604d"),
            category("中", "中易发", fillColor="#f4a582"),
        ],
        ysdm=ysdm("7.3", 3),
    )


# ---------------------------------------------------------------- chapter 8


def near_term_projects(town: Town, parcels: list[Parcel]) -> Layer:
    f = town.frame

    def near(point: Point, dx=40.0, dy=40.0) -> Point:
        return Point(point.x + dx, point.y + dy)

    def farm_centre(shorts) -> Point:
        codes = {town.village(s).code for s in shorts}
        own = [p.geometry for p in parcels if p.village_code in codes]
        centre = shapely.union_all(own).centroid
        return min(own, key=lambda g: g.centroid.distance(centre)).representative_point()

    blocks = {name: g for name, _, g in town.park_blocks}
    projects = [
        (
            "新材料产业园基础设施配套",
            "新材料产业集聚发展",
            "园区道路、给排水、供电等配套",
            town.park.representative_point(),
        ),
        (
            "耐火材料制品制造项目",
            "新材料产业集聚发展",
            "新型耐火材料制造",
            blocks["耐火材料制品制造板块"].representative_point(),
        ),
        (
            "北部高标准农田建设",
            "强基固本传统一产",
            "永久基本农田建成高标准农田、高效节水灌溉",
            farm_centre(FARM_REGIONS["北部农业生产片区"]),
        ),
        (
            "南部高标准农田建设",
            "强基固本传统一产",
            "坡耕地综合治理、高标准农田",
            farm_centre(("下庄村", "魏南庄村", "段封村", "尹家沿村")),
        ),
        ("蘑菇生产基地提质", "强基固本传统一产", "特色种植设施提升", near(f.point(-0.8, -4.35))),
        ("兑镇河源头环境整治", "环境整治行动", "源头水环境整治", town.river.interpolate(200.0)),
        ("镇政府驻地人居环境整治", "环境整治行动", "街巷整治、绿化美化", f.point(0.35, 0.18)),
        (
            "西辛庄矿山修复项目（教场村片区）",
            "环境整治行动",
            "矿山生态环境恢复和综合治理",
            town.areas["矿山修复·教场村"].representative_point(),
        ),
        (
            "镇区污水处理设施提升",
            "污染防治行动",
            "提升现状污水处理设施",
            near(f.point(1.35, -0.05)),
        ),
        (
            "柳湾矿社区生活污水治理",
            "污染防治行动",
            "纳入生活污水综合治理范围",
            near(town.village("柳湾矿社区").point, 120.0, -60.0),
        ),
        ("垃圾转运站建设", "污染防治行动", "落实上位规划垃圾转运站", near(f.point(1.0, -0.55))),
    ]
    features = [
        (
            p,
            {
                "XMMC": name,
                "XDJH": plan,
                "JSNR": what,
                "JSQX": NEAR_TERM,
                "SZC": village_of(town, p),
            },
        )
        for name, plan, what, p in projects
    ]
    return Layer(
        slug="jqxm",
        code="JQXM",
        title="近期项目（示意）",
        chapter=8,
        section="8.2",
        description="近期行动计划：打造孝义市新材料产业集聚发展新业态、强基固本传统一产、实施环境整治"
        "行动、实施污染防治行动（草案8.2）。项目与点位为演示数据。",
        geometry_type="Point",
        name_field="XMMC",
        category_field="XDJH",
        attributes=[
            ("XMMC", "项目名称", "string"),
            ("XDJH", "行动计划", "string"),
            ("JSNR", "建设内容", "string"),
            ("JSQX", "建设期限", "string"),
            ("SZC", "所在村（社区）", "string"),
        ],
        features=features,
        style=dot("#3f007d", "#9e9ac8", radius=7),
        categories=[
            category("新材料产业集聚发展", fillColor=GONGYE),
            category("强基固本传统一产", fillColor="#e5e89a"),
            category("环境整治行动", fillColor=LINDI),
            category("污染防治行动", fillColor="#6baed6"),
        ],
        ysdm=ysdm("8.2", 1),
    )


def plan_layers(town: Town, parcels: list[Parcel]) -> list[Layer]:
    return [
        industry(town),
        tourism_route(town),
        farm_regions(town, parcels),
        farm_bases(town),
        townscape(town),
        restoration(town),
        consolidation(town),
        seat_range(town),
        seat_structure(town),
        roads(town),
        bus_stops(town),
        public_services(town),
        utilities(town),
        flood_control(town),
        mining_hazards(town),
        near_term_projects(town, parcels),
    ]
