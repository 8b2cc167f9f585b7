"""JSON API of the plans and its OpenAPI 3 description."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_the_plan_list_gives_each_published_plan_with_links(client, demo_plan):
    response = client.get("/api/plans/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    [plan] = response.json()
    assert plan["slug"] == "yangquanqu-2021-2035"
    assert plan["region_code"] == "141181101000"
    assert (plan["period_start"], plan["period_end"]) == (2021, 2035)
    assert plan["status"] == "draft"
    assert plan["url"] == "http://testserver/api/plans/yangquanqu-2021-2035/"
    assert plan["page"] == "http://testserver/plans/yangquanqu-2021-2035/"
    assert plan["extent"]["type"] == "Polygon"
    assert "chapters" not in plan


def test_the_plan_detail_carries_chapters_sections_and_indicators(client, demo_plan):
    response = client.get("/api/plans/yangquanqu-2021-2035/")
    assert response.status_code == 200
    plan = response.json()
    assert [c["number"] for c in plan["chapters"]] == list(range(1, 9))
    section = plan["chapters"][2]["sections"][1]
    assert (section["number"], section["title"]) == ("3.2", "控制线划定")
    assert section["anchor"] == "section-3-2"
    assert section["url"] == "http://testserver/plans/yangquanqu-2021-2035/#section-3-2"
    assert {"type": "paragraph", "text": "阳泉曲镇**不涉**生态保护红线。"} in section["blocks"]
    flood = next(i for i in plan["indicators"] if i["name"] == "防洪标准")
    assert flood == {
        "name": "防洪标准",
        "comparator": "",
        "value": 10.0,
        "unit": "年一遇",
        "year": 2035,
        "role": "planned",
        "role_display": "规划值",
        "kind": "unmarked",
        "kind_display": "草案未标注",
        "display_value": "10年一遇",
        "section": "7.3",
    }
    population = next(i for i in plan["indicators"] if i["name"] == "常住人口")
    assert (population["year"], population["role"], population["role_display"]) == (
        2020,
        "base",
        "基期值",
    )
    # The draft labels nothing 约束性 or 预期性, so the API does not either.
    assert {i["kind"] for i in plan["indicators"]} == {"unmarked"}
    assert plan["contact_phone"] == "0358-2149993"
    assert plan["preface"][0]["type"] == "paragraph"
    assert plan["closing"][-1]["text"].startswith("2.部分图片来源于网络")


def test_the_status_label_follows_the_requested_language(client, demo_plan):
    chinese = client.get("/api/plans/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()[0]
    english = client.get("/api/plans/", HTTP_ACCEPT_LANGUAGE="en").json()[0]
    assert (chinese["status_display"], english["status_display"]) == ("草案", "Draft")


def test_an_unknown_plan_is_a_404_in_json(client, db):
    response = client.get("/api/plans/nothing-here/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_the_api_is_read_only_for_the_public(client, demo_plan):
    # Creating a plan is for planners (tests/planportal/test_plan_create_api.py).
    assert client.post("/api/plans/", {}, content_type="application/json").status_code == 401
    response = client.delete("/api/plans/yangquanqu-2021-2035/")
    assert response.status_code in (403, 405)
    assert client.get("/api/plans/yangquanqu-2021-2035/").status_code == 200


def test_the_openapi_schema_describes_the_plan_endpoints(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/plans/" in schema["paths"]
    assert "/api/plans/{slug}/" in schema["paths"]
    detail = schema["components"]["schemas"]["PlanDetail"]["properties"]
    assert {"chapters", "indicators", "preface", "closing"} <= set(detail)
    assert "Chapter" in schema["components"]["schemas"]


def test_the_schema_is_also_served_as_json(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"]
