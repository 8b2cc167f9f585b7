"""Layers of plan chapters 6-8 (演示数据): the 镇政府驻地 range and structure, roads and bus stops,
public and utility facilities, flood and mining hazards, near-term projects.
"""

from __future__ import annotations

import shapely
from shapely.geometry import Point

from .catalogue import (
    BZ,
    GONGYE,
    GONGYONG,
    JIAOTONG,
    JIAOYU,
    LINDI,
    MC,
    MJ,
    MJGQ,
    ORANGE,
    PURPLE,
    RED,
    SHUIYU,
    YILIAO,
    ZHAIJIDI,
    dot,
    fill,
    ysdm,
)
from .common import Layer, category, largest
from .farmland import Parcel
from .town import Town

ROUTES = "202路、205路（草案未逐站列明）"
WENHUA, TIYU, FULI = "#ff7f00", "#00a57c", "#ff9f7f"  # 附录B: 255,127,0; 0,165,124; 255,159,127
LAND_USE = {  # 《国土空间调查、规划、用途管制用地用海分类指南》(2023)
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
        ("一心", "一心", town.core, "综合服务中心，承担镇政府驻地的主要服务"),
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
    # Only the plan's own roads keep a route code and a name; 村道 and 镇区道路 codes are the
    # generator's internal handles, and the draft names no village road.
    features = []
    for r in town.roads + town.streets:
        official = r.grade not in ("村道", "镇区道路")
        name = r.name if r.grade != "村道" else "乡村道路（示意）"
        note = (
            r.note if r.grade != "村道" else "草案7.1“多支”中的乡村道路；草案未列明路名，线位为示意"
        )
        props = {"LXBM": r.code if official else "", "MC": name, "DLDJ": r.grade}
        features.append((r.line, {**props, "ZT": r.status, "BZ": note}))
    return Layer(
        slug="dl",
        code="DL",
        title="道路（示意）",
        chapter=7,
        section="7.1",
        description="干线公路网“两横一环多支”：两横为国道340线、省道321线（孝石线），一环为省道321线、"
        "省道240新线、Z001专线，多支为乡道009线与乡村道路；落实S66线汾石高速过境建设；镇政府驻地"
        "形成“三横四纵”路网（草案7.1，列出三条纵路，第四纵未列明，不示意）。乡村道路的路名草案"
        "未列明。线位为演示数据。",
        geometry_type="LineString",
        name_field="MC",
        category_field="DLDJ",
        attributes=[
            ("LXBM", "路线编码", "string", False),
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
        features.append(
            _facility(p, name, code, kind, "镇级", status, town.territory_of(p).short, basis)
        )
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
                "建成并持续提升",
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
    # 所在村 only where the draft names the village (the moved substation at 申家庄村)
    named_village = {"阳泉曲变电站（迁建）": "申家庄村"}
    features = []
    for name, code, kind, status, km, basis in items:
        p = f.point(*km)
        village = named_village.get(name, "")
        assert not village or town.territory_of(p).short == village, name
        props = {
            "MC": name,
            "SSLX": kind,
            "YDYHFLDM": code,
            "YDYHFLMC": LAND_USE[code],
            "ZT": status,
            "SZC": village,
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
            ("SZC", "所在村（草案所列）", "string", False),
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
        # 草案7.3 names no 蓄滞洪区: unnamed, so no village reads as designated for flooding
        (town.areas["蓄滞洪区·1"], {"MC": "蓄滞洪区（示意）", "KZXLX": "蓄滞洪区"}),
        (town.areas["蓄滞洪区·2"], {"MC": "蓄滞洪区（示意）", "KZXLX": "蓄滞洪区"}),
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
        "防洪标准按10年一遇设防（草案7.3）。草案未列明蓄滞洪区的位置和名称，范围为演示数据。",
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
    """采空区 as 7.3 gives them: a kind of hazard and its 防治模式, no place, no 易发程度 and no
    village, so the areas are unnamed and carry no rating."""
    features = [
        (geom, {"MC": "采空区（示意）", "ZHLX": "采空区地面塌陷"})
        for key, geom in town.areas.items()
        if key.startswith("采空区")
    ]
    return Layer(
        slug="dzzh",
        code="DZZH",
        title="地质灾害·采空区（示意）",
        chapter=7,
        section="7.3",
        description="采空区地面塌陷防治应当以预防为主防治结合的原则，主要有压煤村庄整体搬迁、被破坏土地"
        "重新修复为耕地及“边开采边治理”的井下回填等防治模式（草案7.3）。草案未列明采空区的位置、"
        "易发程度和涉及村庄，范围为演示数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field=None,
        attributes=[MC, ("ZHLX", "灾害类型", "string"), MJ],
        features=features,
        style=fill("#b2182b", "#f4a582", 0.35, weight=1.5, dashArray="5 3"),
        ysdm=ysdm("7.3", 3),
    )


# ---------------------------------------------------------------- chapter 8

ACTIONS = (  # 草案8.2, the four headings of the 近期项目实施计划, in order
    "打造孝义市新材料产业集聚发展新业态",
    "强基固本传统一产",
    "实施环境整治行动",
    "实施污染防治行动",
)


def near_term_projects(town: Town, parcels: list[Parcel]) -> Layer:
    """8.2 gives four action headings and no project, place or year. Only the first has a place
    the draft names (the 新材料产业园, 3.2/4.1); the others are not mapped."""
    features = [
        (
            town.park.representative_point(),
            {"XMMC": ACTIONS[0], "XDJH": ACTIONS[0], "WZ": "新材料产业园（草案4.1）"},
        )
    ]
    return Layer(
        slug="jqxm",
        code="JQXM",
        title="近期行动计划（示意）",
        chapter=8,
        section="8.2",
        description="制定近期项目实施计划：打造孝义市新材料产业集聚发展新业态、强基固本传统一产、实施"
        "环境整治行动、实施污染防治行动（草案8.2）。草案未列明具体项目、地点和年限；仅新材料产业"
        "集聚发展一项按草案所述的新材料产业园示意位置，其余三项不上图。",
        geometry_type="Point",
        name_field="XMMC",
        category_field="XDJH",
        attributes=[
            ("XMMC", "名称", "string"),
            ("XDJH", "行动计划", "string"),
            ("WZ", "位置依据", "string"),
        ],
        features=features,
        style=dot("#3f007d", "#9e9ac8", radius=7),
        categories=[
            category(ACTIONS[0], fillColor=GONGYE),
            category(ACTIONS[1], fillColor="#e5e89a"),
            category(ACTIONS[2], fillColor=LINDI),
            category(ACTIONS[3], fillColor="#6baed6"),
        ],
        ysdm=ysdm("8.2", 1),
    )


def service_layers(town: Town, parcels: list[Parcel]) -> list[Layer]:
    return [
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
