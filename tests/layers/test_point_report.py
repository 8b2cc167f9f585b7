"""The point report: what the plan says at a place, with the nearest facilities."""

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import connection

from layers.models import Layer
from layers.point_report import GENERALISED_CELL_M
from tests.factories import add_feature

pytestmark = pytest.mark.django_db

TOWN_SEAT = (111.552163, 37.07382)
FARMLAND_ID = "yangquanqu-yjjbnt"


def report(client, lon, lat, language="zh-hans"):
    return client.get(
        "/api/plans/yangquanqu-2021-2035/report/",
        {"lon": lon, "lat": lat},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_at_the_town_seat_it_names_the_zones_the_village_and_the_control_line(client, demo_plan):
    response = report(client, *TOWN_SEAT)
    assert response.status_code == 200
    data = response.json()
    assert data["inside_plan_area"] is True
    layers = {item["collection_id"]: item for item in data["elements"]}
    assert layers["yangquanqu-czkfbj"]["category_label"] == "城镇集中建设区"
    assert layers["yangquanqu-czfl"]["name"] == "阳泉曲村"
    assert layers["yangquanqu-czfl"]["category_label"] == "城镇开发边界内村庄"
    assert "yangquanqu-zdfw" in layers
    assert layers["yangquanqu-czkfbj"]["section"] == "3.2"


def test_it_gives_the_nearest_facility_of_each_kind_with_metres(client, demo_plan):
    data = report(client, *TOWN_SEAT).json()
    kinds = {item["category_label"] or item["layer"]: item for item in data["nearest"]}
    assert {"教育用地", "医疗卫生用地", "消防用地"} <= set(kinds)
    school = kinds["教育用地"]
    assert school["name"] == "阳泉曲镇中小学"
    assert 0 < school["distance_m"] < 2000
    assert isinstance(school["distance_m"], int)
    # Each kind once, and only facility layers (not villages or planning symbols).
    assert len(kinds) == len(data["nearest"])
    codes = set(
        Layer.objects.filter(
            collection_id__in=[i["collection_id"] for i in data["nearest"]]
        ).values_list("code", flat=True)
    )
    assert codes <= {"GGFWSS", "SZSS", "GJZD"}


def test_the_sentences_say_it_in_plain_chinese(client, demo_plan):
    sentences = report(client, *TOWN_SEAT).json()["sentences"]
    assert (
        "此处位于城镇开发边界（示意）：镇政府驻地·城镇集中建设区（城镇集中建设区）（演示数据）。"
        in sentences
    )
    assert any(s.startswith("最近的教育用地是阳泉曲镇中小学，距离约") for s in sentences)
    assert any("不涉及生态保护红线" in s for s in sentences)


def test_the_sentences_follow_the_requested_language(client, demo_plan):
    sentences = report(client, *TOWN_SEAT, language="en").json()["sentences"]
    assert any(s.startswith("The nearest 教育用地 is 阳泉曲镇中小学") for s in sentences)


def a_place_in_the_generalised_farmland() -> tuple[float, float]:
    """The centre of a z13 grid cell that lies in a farmland parcel: what the generalised map
    draws as farmland (layers/tiles/sql.py)."""
    revision = Layer.objects.get(collection_id=FARMLAND_ID).published_revision_id
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_X(ST_Transform(c, 4326)), ST_Y(ST_Transform(c, 4326)) FROM (
                SELECT ST_SetSRID(ST_Centroid(ST_Square(
                    %(cell)s, floor(ST_X(p) / %(cell)s)::int, floor(ST_Y(p) / %(cell)s)::int
                )), 3857) AS c
                FROM (SELECT ST_PointOnSurface(geom_3857) AS p FROM layers_feature
                      WHERE revision_id = %(revision)s ORDER BY id) AS parcels
            ) AS centres
            WHERE EXISTS (SELECT 1 FROM layers_feature f WHERE f.revision_id = %(revision)s
                          AND ST_Intersects(f.geom_3857, centres.c))
            LIMIT 1
            """,
            {"cell": GENERALISED_CELL_M, "revision": revision},
        )
        return cursor.fetchone()


def test_on_farmland_it_says_so_as_the_generalised_map_shows_it_and_names_no_parcel(
    client, demo_plan
):
    data = report(client, *a_place_in_the_generalised_farmland()).json()
    [farmland] = [i for i in data["elements"] if i["collection_id"] == FARMLAND_ID]
    assert farmland["generalised"] is True
    assert farmland["feature_id"] is None
    assert farmland["name"] == farmland["category"] == farmland["category_label"] == ""
    assert farmland["section"] == "3.2"
    assert "此处位于永久基本农田（示意）（概略范围）（演示数据）。" in data["sentences"]
    assert not any(word in str(data) for word in ("水田", "水浇地", "旱地", "BSM"))


def test_a_farmland_parcel_whose_cell_centre_is_outside_it_is_not_reported(client, demo_plan):
    """The answer follows the map's cells, not the parcels: asking point by point traces no
    parcel outline finer than the map's blocks."""
    lon, lat = a_place_in_the_generalised_farmland()
    farmland = Layer.objects.get(collection_id=FARMLAND_ID)
    # A tiny parcel of its own at a cell's corner, in a cell whose centre is in no parcel.
    corner = Point(lon, lat, srid=4326).transform(3857, clone=True)
    x = (corner.x // GENERALISED_CELL_M + 40) * GENERALISED_CELL_M
    y = (corner.y // GENERALISED_CELL_M + 40) * GENERALISED_CELL_M
    sliver = Polygon.from_bbox((x, y, x + 5, y + 5))
    sliver.srid = 3857
    add_feature(farmland, sliver.transform(4326, clone=True))
    inside = sliver.transform(4326, clone=True).point_on_surface
    data = report(client, inside.x, inside.y).json()
    assert FARMLAND_ID not in {i["collection_id"] for i in data["elements"]}


def test_a_river_or_road_close_by_is_named_with_its_distance(client, demo_plan):
    data = report(client, 111.53, 37.08).json()
    river = [i for i in data["nearby_lines"] if i["name"] == "兑镇河"]
    assert river and 0 <= river[0]["distance_m"] <= 100


def test_every_sentence_from_demonstration_data_says_so(client, demo_plan):
    data = report(client, *TOWN_SEAT).json()
    demo = {item["collection_id"] for item in data["elements"] + data["nearest"] if item["is_demo"]}
    assert demo, "the town seat lies in demonstration layers"
    for item in data["elements"] + data["nearby_lines"] + data["nearest"]:
        layer = Layer.objects.get(collection_id=item["collection_id"])
        assert item["data_mark"] == layer.data_mark
    nearest = [s for s in data["sentences"] if s.startswith("最近的")]
    assert nearest and all(s.endswith("米（演示数据）。") for s in nearest)
    items = data["elements"] + data["nearby_lines"] + data["nearest"]
    unofficial = [item for item in items if item["data_mark"] in ("演示数据", "示意")]
    assert len(unofficial) < len(items), "the official 孝义市界 is here too, and unmarked"
    marked = [
        s
        for s in data["sentences"]
        if s.endswith(("（演示数据）。", "（示意）。")) or "（演示数据，" in s
    ]
    assert len(marked) == len(unofficial)


def test_the_fire_station_sentence_of_the_audit_says_it_is_demonstration_data(client, demo_plan):
    sentences = report(client, *TOWN_SEAT).json()["sentences"]
    [fire] = [s for s in sentences if s.startswith("最近的消防用地是")]
    assert fire.endswith("米（演示数据）。")
    english = report(client, *TOWN_SEAT, language="en").json()["sentences"]
    assert any(s.endswith("m away (demonstration data).") for s in english)


def test_the_approximate_township_outline_is_named_as_such(client, demo_plan):
    data = report(client, *TOWN_SEAT).json()
    [outline] = [i for i in data["elements"] if i["is_approximate_boundary"]]
    layer = Layer.objects.get(collection_id=outline["collection_id"])
    assert layer.code == "XZQ"
    assert any(
        s.startswith(f"此处位于{layer.title}") and s.endswith("示意范围（非法定界线））。")
        for s in data["sentences"]
    )


def test_outside_the_approximate_extent_it_says_only_that_the_place_may_be_outside(
    client, demo_plan
):
    # The audit's place west of the approximate 镇域, where the real town probably reaches.
    data = report(client, 111.46, 37.06).json()
    assert data["inside_plan_area"] is None
    assert data["plan_boundary"] == "approximate"
    assert data["sentences"][0] == "该位置可能不在本规划范围内（镇域范围为示意）。"
    assert "该位置不在本规划范围内。" not in data["sentences"]


def test_only_the_published_revision_counts(client, demo_plan):
    layer = Layer.objects.get(collection_id="yangquanqu-czkfbj")
    layer.published_revision = None
    layer.save(update_fields=["published_revision"])
    data = report(client, *TOWN_SEAT).json()
    assert "yangquanqu-czkfbj" not in {item["collection_id"] for item in data["elements"]}


@pytest.mark.parametrize(
    "query", [{"lon": "abc", "lat": "37"}, {"lat": "37.07"}, {"lon": "500", "lat": "37"}]
)
def test_bad_coordinates_get_a_400_with_a_message_per_field(client, demo_plan, query):
    response = client.get("/api/plans/yangquanqu-2021-2035/report/", query)
    assert response.status_code == 400
    assert set(response.json()) <= {"lon", "lat"}


def test_an_unknown_plan_is_a_404(client, db):
    assert client.get("/api/plans/nothing/report/", {"lon": 111.5, "lat": 37}).status_code == 404
