"""One search across plans (/search/?q= and /api/search/?q=): a village or 乡镇 by name or code
leads to its plan and place (the plan's map at the village, from the village layer's features),
or to its region page when no published plan covers it."""

from django.contrib.gis.geos import Point

from layers.models import PublicPolicy
from planportal.models import Plan
from tests.factories import SECOND_SOUTH, SECOND_WEST, make_layer


def hits(client, query: str) -> list[dict]:
    response = client.get("/api/search/", {"q": query})
    assert response.status_code == 200
    return response.json()["hits"]


def test_a_village_by_name_leads_to_its_plan_map_at_the_village(client, demo_plan):
    found = hits(client, "阳泉曲村")
    first = found[0]
    assert first["name"] == "阳泉曲村"
    assert first["code"] == "141181101200"
    assert first["level"] == "village"
    assert first["plan"]["slug"] == demo_plan.slug
    assert first["plan"]["status_display"] == "草案"
    assert first["map"].endswith(
        f"/plans/{demo_plan.slug}/map/?village=%E9%98%B3%E6%B3%89%E6%9B%B2%E6%9D%91"
    )
    # The hit leads to the village's page, which links to the map.
    assert first["village"].endswith(f"/plans/{demo_plan.slug}/villages/141181101200/")
    assert first["url"] == first["village"]
    assert first["region"].endswith("/regions/141181101200/")
    # The point of the village layer (fixtures/yangquanqu/layers/xzc.geojson).
    assert (first["lon"], first["lat"]) != (None, None)
    assert abs(first["lon"] - 111.55) < 0.05 and abs(first["lat"] - 37.07) < 0.05
    # One hit per place and plan: the region 阳泉曲村委会 is the same village.
    assert [hit["code"] for hit in found].count("141181101200") == 1


def test_a_village_by_code(client, demo_plan):
    found = hits(client, "141181101208")
    assert [hit["name"] for hit in found] == ["河北村"]
    assert found[0]["plan"]["slug"] == demo_plan.slug


def test_a_township_with_a_plan_leads_to_the_plan_map(client, demo_plan):
    found = hits(client, "阳泉曲镇")
    assert found[0]["name"] == "阳泉曲镇" and found[0]["level"] == "township"
    assert found[0]["map"].endswith(f"/plans/{demo_plan.slug}/map/")


def test_a_township_without_a_plan_leads_to_its_region_page(client, demo_plan):
    found = hits(client, "下堡")
    assert found[0]["name"] == "下堡镇"
    assert found[0]["plan"] is None and found[0]["map"] is None
    assert found[0]["url"].endswith("/regions/141181102000/")


def test_villages_of_another_plan_are_found_with_that_plan(client, demo_plan, second_plan):
    village = {
        "geom": Point(SECOND_WEST + 0.05, SECOND_SOUTH + 0.05, srid=4326),
        "name": "河北村",
        "properties": {"XZQMC": "河北村", "XZQDM": "141181299201"},
    }
    make_layer(second_plan, "second-villages", code="XZC", name_field="XZQMC", shapes=[village])
    found = hits(client, "河北村")
    assert {hit["plan"]["slug"] for hit in found} == {demo_plan.slug, second_plan.slug}
    second = next(hit for hit in found if hit["plan"]["slug"] == second_plan.slug)
    assert second["code"] == "141181299201"
    assert (second["lon"], second["lat"]) == (SECOND_WEST + 0.05, SECOND_SOUTH + 0.05)
    assert second["region"] is None  # the region table does not hold this test village


def test_an_unpublished_plans_villages_are_not_found(client, demo_plan):
    Plan.objects.filter(pk=demo_plan.pk).update(is_published=False)
    found = hits(client, "河北村")
    assert all(hit["plan"] is None for hit in found)
    assert found[0]["url"].endswith("/regions/141181101208/")


def test_a_tiles_only_village_layer_gives_no_coordinates(client, second_plan):
    make_layer(
        second_plan,
        "second-villages",
        code="XZC",
        name_field="XZQMC",
        policy=PublicPolicy.TILES_ONLY,
        shapes=[(Point(SECOND_WEST + 0.01, SECOND_SOUTH + 0.01, srid=4326), "测试村")],
    )
    found = hits(client, "测试村")
    assert len(found) == 1
    assert found[0]["lon"] is None and found[0]["lat"] is None
    assert found[0]["map"].endswith(f"/plans/{second_plan.slug}/map/")


def test_an_empty_or_unmatched_query_finds_nothing(client, demo_plan):
    assert hits(client, "") == []
    assert hits(client, "   ") == []
    assert hits(client, "不存在的村") == []


def test_the_search_page_lists_the_hits_with_their_links(client, demo_plan):
    response = client.get("/search/", {"q": "阳泉曲"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "阳泉曲村" in page and "阳泉曲镇" in page
    assert f'href="/plans/{demo_plan.slug}/map/?village=' in page
    assert "在规划图上查看" in page
    assert 'value="阳泉曲"' in page


def test_the_search_page_leads_a_township_without_a_plan_to_its_page(client, demo_plan):
    page = client.get("/search/", {"q": "杜村"}).content.decode()
    assert 'href="/regions/141181204000/"' in page
    assert "尚未发布规划" in page


def test_the_home_page_has_the_search_form(client, demo_plan):
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page and 'name="q"' in page


def test_facilities_roads_and_projects_are_found_by_name_and_lead_to_the_map(client, demo_plan):
    found = hits(client, "柳湾变电站")
    substation = next(hit for hit in found if hit["name"] == "110kV柳湾变电站")
    assert substation["level"] == "feature"
    assert substation["level_display"] == "市政公用设施（示意）"
    assert f"/plans/{demo_plan.slug}/map/?layer=yangquanqu-szss&lon=" in substation["url"]
    assert substation["lon"] is not None
    roads = hits(client, "国道")
    assert any(hit["level"] == "feature" and "道路" in hit["level_display"] for hit in roads)
    projects = hits(client, "矿山生态修复")
    assert any(hit["name"] == "矿山生态修复区域（河北村）" for hit in projects)


def test_the_search_page_links_a_village_to_its_page(client, demo_plan):
    page = client.get("/search/", {"q": "柳湾村"}).content.decode()
    assert f'href="/plans/{demo_plan.slug}/villages/141181101203/"' in page


def test_restricted_layers_are_not_searched_by_feature_name(client, demo_plan):
    # 永久基本农田 is generalised: its parcels' names (地类名称) are not public.
    assert not any(hit["level"] == "feature" for hit in hits(client, "旱地"))
