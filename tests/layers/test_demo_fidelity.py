"""The demonstration map says only what the draft says.

The demo catalogue is loaded into the test database by the session fixture (load_demo_plan,
the same path `make run` takes). Every number and name the draft states is checked against the
published features, with areas measured by PostGIS in EPSG:4546 (CGCS2000 Gauss-Krüger CM 111E,
the plan's zone). Then the rule a resident relies on: no feature that carries a real village
name (fixtures/data/villages.csv) also carries a sensitive designation (a village class, a
蓄滞洪区, a hazard rating, a project level, a near-term project, ...) unless a sentence of the
draft names that village together with that designation.
"""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from layers.models import DataStatus, Feature, Layer

pytestmark = pytest.mark.django_db

REPO = Path(settings.BASE_DIR)
VILLAGES_CSV = REPO / "fixtures" / "data" / "villages.csv"
PLAN_METRIC_SRID = 4546

# Values that, put on a real village, tell its people something they would act on.
SENSITIVE_TERMS = (
    "集聚提升",
    "特色保护",
    "搬迁撤并",
    "其他类",
    "中心村",
    "特色村",
    "一般村",
    "工贸型",
    "工矿型",
    "农贸型",
    "农旅型",
    "蓄滞洪区",
    "易发",
    "采空区",
    "整体搬迁",
    "国家级",
    "省级",
    "近期",
    "农村建设用地整理",
    "养殖基地",
    "养猪基地",
    "蘑菇",
    "节点",
)


# ---------------------------------------------------------------- the draft


def draft_sentences(draft_text: str) -> list[str]:
    """The draft's sentences, without bold marks. An exception clause ("除…外（…）") is cut
    out: naming a village as excluded from the classes does not give it one."""
    text = draft_text.replace("**", "")
    sentences = re.split(r"[。！？；\n]", text)
    return [re.sub(r"除[^，。]*?外（[^）]*）", "", s).strip() for s in sentences if s.strip()]


def sentence_with(draft_text: str, *needles: str) -> str:
    (found,) = [s for s in draft_text.replace("**", "").split("\n") if all(n in s for n in needles)]
    return found


def village_names() -> list[str]:
    with open(VILLAGES_CSV, encoding="utf-8") as f:
        return sorted({row["short_name"] for row in csv.DictReader(f)})


def stem(name: str) -> str:
    return re.sub(r"(村|社区)$", "", name)


def mentions(text: str, village: str) -> bool:
    """Whether a draft sentence names the village: in full, or by its stem in a list
    ("克俄、西河底两村", "二期老营坪两个")."""
    return village in text or re.search(re.escape(stem(village)) + r"(?=[、两等村）]|$)", text)


def names_village(value: str, village: str) -> bool:
    """Whether an attribute value names the village: in full, or by its stem as in
    "春塔蓄滞洪区", but not inside the town's name (阳泉曲镇) or another unit's (柳湾矿社区)."""
    if village in value:
        return True
    return bool(re.search(re.escape(stem(village)) + r"(?![镇矿村社])", value))


# ---------------------------------------------------------------- the demo data


@pytest.fixture
def features(demo_plan) -> dict[str, list[Feature]]:
    """The published features of every demo plan layer, by layer code."""
    result = {}
    for layer in Layer.objects.filter(plan=demo_plan).select_related("published_revision"):
        result[layer.code] = list(Feature.objects.filter(revision=layer.published_revision))
    return result


def values(features: list[Feature], field: str) -> list:
    return [f.properties.get(field) for f in features]


def scalar(sql: str, params=()) -> float:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def union_sql(code: str, where: str = "") -> str:
    return (
        "SELECT ST_Union(f.geom) FROM layers_feature f JOIN layers_layer l "
        f"ON l.published_revision_id = f.revision_id WHERE l.code = '{code}' {where}"
    )


# ---------------------------------------------------------------- numbers and names


def test_the_ten_bus_stops_of_7_1_are_there_by_place(features, draft_text):
    sentence = sentence_with(draft_text, "公交站点", "站、")
    listed = dict(re.findall(r"([^、，]+?)(\d)站", sentence.split("包括")[1]))
    expected = {place: int(count) for place, count in listed.items()}
    assert sum(expected.values()) == 10 and expected["春塔村"] == 2
    assert Counter(values(features["GJZD"], "KKDD")) == expected


def test_the_four_villages_of_3_3_lie_inside_the_boundary_and_only_they_are_marked_so(
    features, draft_text
):
    sentence = sentence_with(draft_text, "除城镇开发边界内4个村庄外")
    four = re.search(r"外（([^）]*)）", sentence).group(1).split("、")
    assert four == ["阳泉曲村", "老营坪村", "河北村", "西河底村"]
    for village in four:
        inside = scalar(
            f"SELECT ST_Covers(ST_Buffer(({union_sql('CZKFBJ')})::geography, 1)::geometry, f.geom) "
            "FROM layers_feature f JOIN layers_layer l ON l.published_revision_id = f.revision_id "
            "WHERE l.code = 'XZC' AND f.properties->>'XZQMC' = %s",
            [village],
        )
        assert inside, village
    marked = [f.properties["XZQMC"] for f in features["CZFL"] if f.category == "城镇开发边界内村庄"]
    assert sorted(marked) == sorted(four)


def test_the_seat_range_measures_118_13_hectares_in_the_plan_zone(features):
    area = scalar(f"SELECT ST_Area(ST_Transform(({union_sql('ZDFW')}), %s))", [PLAN_METRIC_SRID])
    assert area / 10_000 == pytest.approx(118.13, abs=0.05)
    assert [f.properties["MJGQ"] for f in features["ZDFW"]] == [118.13]


def test_the_seat_part_of_the_boundary_lies_within_the_seat_range(features):
    """草案6.1: the 驻地范围 is the 城镇开发边界 together with the seat village's 村庄建设边界."""
    seat = union_sql("CZKFBJ", "AND f.properties->>'SSPQ' = '镇政府驻地'")
    outside = scalar(
        f"SELECT ST_Area(ST_Transform(ST_Difference(({seat}), ({union_sql('ZDFW')})), %s))",
        [PLAN_METRIC_SRID],
    )
    assert outside < 1.0  # square metres: coordinates are written to 6 decimals
    inside = scalar(f"SELECT ST_Area(ST_Transform(({seat}), %s))", [PLAN_METRIC_SRID])
    assert 50 * 10_000 < inside < 118.13 * 10_000


def test_the_boundary_names_its_zones_and_clusters_as_the_plan_does(features):
    zones = set(values(features["CZKFBJ"], "GHFQMC"))
    assert zones <= {"城镇集中建设区", "城镇弹性发展区", "特别用途区"}
    assert "城镇集中建设区" in zones
    assert set(values(features["CZKFBJ"], "SSPQ")) == {"镇政府驻地", "新材料产业园"}


def test_the_park_has_the_four_industrial_and_two_support_blocks_of_4_1(features, draft_text):
    industrial = sentence_with(draft_text, "4个工业板块").split("：")[1].rstrip("；")
    support = sentence_with(draft_text, "2个支撑板块").split("：")[1].rstrip("。")
    expected = {
        "工业板块": sorted(re.split("、|和", industrial)),
        "支撑板块": sorted(re.split("、|和", support)),
    }
    found = {kind: [] for kind in expected}
    for feature in features["CYBJ"]:
        if feature.properties["BKLX"] in found:
            found[feature.properties["BKLX"]].append(feature.properties["MC"].split("·")[1])
    assert {kind: sorted(names) for kind, names in found.items()} == expected
    assert len(expected["工业板块"]) == 4 and len(expected["支撑板块"]) == 2


def test_the_four_townscape_zones_of_4_3(features, draft_text):
    section = draft_text.split("4.3 历史文化和景观风貌")[2].split("05\n")[0]
    named = [line.strip() for line in section.splitlines() if line.strip().endswith("风貌区")]
    assert len(named) == 4
    assert sorted(values(features["FMFQ"], "MC")) == sorted(named)


def test_the_one_river_two_corridors_three_areas_of_3_1(features, draft_text):
    block = draft_text.split("三片区\n\n")[1].split("\n\n")[0]
    three = block.splitlines()
    assert len(three) == 3
    pattern = features["BHGJ"]
    areas = [f.properties["MC"] for f in pattern if f.properties["GJYS"] == "三片区"]
    assert sorted(areas) == sorted(three)
    assert {f.properties["GJYS"] for f in pattern} == {"三片区", "两廊"}
    assert values(features["HL"], "HLMC").count("兑镇河") == 1


def test_the_roads_named_in_7_1(features):
    roads = {f.properties["LXBM"]: f.properties for f in features["DL"] if f.properties["LXBM"]}
    assert {"S66", "G340", "S321", "S240", "Z001", "Y009"} <= set(roads)
    assert "汾石高速" in roads["S66"]["MC"] and roads["S66"]["ZT"] == "规划"
    assert "孝石线" in roads["S321"]["MC"] and "新线" in roads["S240"]["MC"]
    assert "专线001线" in roads["Z001"]["MC"] and "乡道009线" in roads["Y009"]["MC"]
    streets = [f.properties["MC"] for f in features["DL"] if f.properties["DLDJ"] == "镇区道路"]
    # 三横 named; of the 四纵 the draft names three roads, and no fourth is invented
    assert sum(name.endswith("横（铁路北侧主路）") for name in streets) == 1
    assert sum("横" in name for name in streets) == 3
    assert sum("纵" in name for name in streets) == 3
    village_roads = [f.properties for f in features["DL"] if f.properties["DLDJ"] == "村道"]
    assert village_roads and all(p["MC"] == "乡村道路（示意）" for p in village_roads)
    assert not any(re.fullmatch(r"C\d{3}", p["LXBM"]) for p in village_roads)


def test_the_110kv_substation_and_the_moved_one_at_shenjiazhuang(features):
    by_name = {f.properties["MC"]: f.properties for f in features["SZSS"]}
    assert by_name["110kV柳湾变电站"]["ZT"] == "规划新建"
    assert by_name["阳泉曲变电站（迁建）"]["SZC"] == "申家庄村"


def test_flood_control_is_ten_year_with_the_three_kinds_of_line(features, draft_text):
    assert "10年一遇" in draft_text
    assert set(values(features["HLFXKZX"], "FHBZ")) == {"10年一遇"}
    kinds = set(values(features["HLFXKZX"], "KZXLX"))
    assert kinds == {"河道管理线", "防洪治导线", "蓄滞洪区"}


def test_the_sewage_and_sludge_rates_and_the_population_are_the_drafts(demo_plan, draft_text):
    for name, text in (("城镇污水处理率", "40%以上"), ("污泥处置率", "90%以上")):
        assert text in draft_text and demo_plan.indicators.filter(name=name).exists()
    assert "1.6万人（2020年第七次人口普查数据）" in draft_text


# ---------------------------------------------------------------- nothing invented on a name


def unsupported_designations(features, draft_text) -> list[tuple]:
    sentences = draft_sentences(draft_text)
    villages = village_names()
    found = []
    for code, layer_features in features.items():
        for feature in layer_features:
            texts = [v for v in feature.properties.values() if isinstance(v, str)]
            named = {v for v in villages if any(names_village(t, v) for t in texts)}
            terms = {t for t in SENSITIVE_TERMS if any(t in text for text in texts)}
            for village in sorted(named):
                for term in sorted(terms):
                    if not any(mentions(s, village) and term in s for s in sentences):
                        found.append((code, feature.name, village, term))
    return found


def test_no_sensitive_value_sits_on_a_real_village_without_a_sentence_of_the_draft(
    features, draft_text
):
    assert unsupported_designations(features, draft_text) == []


def test_the_check_itself_catches_a_class_the_draft_never_gives(features, draft_text):
    (village,) = [f for f in features["CZFL"] if f.properties["XZQMC"] == "核桃洼村"]
    village.properties["CZFL"] = "搬迁撤并类"
    caught = unsupported_designations({"CZFL": [village]}, draft_text)
    assert caught == [("CZFL", village.name, "核桃洼村", "搬迁撤并")]


def test_no_village_carries_a_class_level_or_function_the_draft_does_not_give(features):
    classes = {f.properties["XZQMC"]: f.properties["CZFL"] for f in features["CZFL"]}
    assert set(classes.values()) == {"城镇开发边界内村庄", "草案未列明（示意）"}
    levels = {f.properties["XZQMC"]: f.properties["DJ"] for f in features["ZCTX"]}
    assert levels.pop("阳泉曲村") == "镇政府驻地"  # 草案1.1: 镇人民政府驻阳泉曲村
    assert set(levels.values()) == {"草案未列明（示意）"}
    assert set(values(features["ZCTX"], "ZNLX")) == {"草案未列明（示意）"}


def test_no_hazard_rating_project_level_or_near_term_project_is_invented(features, draft_text):
    assert all("YFCD" not in f.properties for f in features["DZZH"])
    assert set(values(features["STXF"], "XMJB")) == {"草案未逐片列明"}
    actions = values(features["JQXM"], "XDJH")
    assert actions and all(a in draft_text.replace("\n", "") for a in actions)
    assert all(f.properties["XMMC"] in draft_text.replace("\n", "") for f in features["JQXM"])
    assert all(not f.properties["MC"].startswith(tuple("春塔瓦窑坡")) for f in features["HLFXKZX"])


# ---------------------------------------------------------------- the catalogue says what it is


def test_every_demo_layer_states_its_data_status_source_and_publication_note(demo_plan):
    layers = list(Layer.objects.filter(plan=demo_plan))
    assert len(layers) == 29
    for layer in layers:
        assert layer.data_status in (DataStatus.SCHEMATIC, DataStatus.OFFICIAL), layer.code
        assert layer.is_demo == (layer.data_status == DataStatus.SCHEMATIC), layer.code
        assert layer.source_note and layer.publication_note, layer.code
    real = {layer.code for layer in layers if layer.data_status == DataStatus.OFFICIAL}
    assert real == {"XJXZQ", "ZFZD", "STBHHX"}


def test_the_illustrative_feature_codes_are_disclosed(demo_plan, features):
    """Only the two 行政区 layers use a standard code (三调 1000600100); the plan layers' codes
    are made up, and their metadata says so."""
    standard = {"XZQ", "XJXZQ"}
    for layer in Layer.objects.filter(plan=demo_plan):
        (ysdm,) = [a for a in layer.attribute_schema if a["name"] == "YSDM"]
        codes = set(values(features[layer.code], "YSDM"))
        if layer.code in standard:
            assert codes == {"1000600100"} and ysdm["label"] == "要素代码", layer.code
        else:
            assert all(code.startswith("21") for code in codes), layer.code
            assert ysdm["label"] == "要素代码（示意编码，非数据库规范代码）", layer.code
            # an empty layer (the 生态保护红线 the town does not have) has no code to disclose
            assert ("示意编码" in layer.description) == bool(codes), layer.code
