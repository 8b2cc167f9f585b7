"""Planners create a plan through the API (``POST /api/plans/``), then publish and unpublish
it; the region code is checked against the hierarchy; every step is in the audit trail; the
public reads stay as they were."""

import pytest

from planportal.models import Chapter, Plan, PlanStatus, StaffRole
from tests.factories import grant, make_user, token_header

NEW_PLAN = {
    "name": "孝义市下堡镇国土空间总体规划（2021-2035年）",
    "slug": "xiabao-2021-2035",
    "region_code": "141181102000",
    "organisation": "下堡镇人民政府",
    "compiled_by": "山西省城乡规划设计研究院",
    "period_start": 2021,
    "period_end": 2035,
    "contact_phone": "0358-7000001",
    "contact_email": "xbz@example.cn",
}


@pytest.fixture
def planner_token(planner) -> dict:
    return token_header(planner)


def test_a_planner_creates_an_unpublished_draft_with_its_region_name(
    client, planner, planner_token, new_audit_events
):
    response = client.post(
        "/api/plans/", NEW_PLAN, content_type="application/json", **planner_token
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "xiabao-2021-2035"
    assert body["is_published"] is False
    assert body["region_name"] == "山西省吕梁市孝义市下堡镇"
    plan = Plan.objects.get(slug="xiabao-2021-2035")
    assert (plan.status, plan.is_published, plan.compiled_by) == (
        PlanStatus.DRAFT,
        False,
        "山西省城乡规划设计研究院",
    )
    event = new_audit_events().get(action="plan.create")
    assert event.actor == planner and event.object_id == str(plan.pk)
    assert event.after["region_code"] == "141181102000"
    # The public does not see it.
    assert client.get("/api/plans/xiabao-2021-2035/").status_code == 404
    assert "xiabao" not in client.get("/api/plans/").content.decode()


def test_a_new_township_under_a_known_county_needs_its_name(client, planner_token):
    data = {**NEW_PLAN, "region_code": "141181299000"}
    response = client.post("/api/plans/", data, content_type="application/json", **planner_token)
    assert response.status_code == 400
    assert "请填写该区划的名称" in response.json()["region_code"][0]
    data["region_name"] = "山西省吕梁市孝义市新设乡"
    response = client.post("/api/plans/", data, content_type="application/json", **planner_token)
    assert response.status_code == 201
    assert response.json()["region_name"] == "山西省吕梁市孝义市新设乡"


def test_a_region_outside_the_hierarchy_is_refused_saying_which_rule(client, planner_token):
    data = {**NEW_PLAN, "region_code": "141182102000"}
    response = client.post("/api/plans/", data, content_type="application/json", **planner_token)
    assert response.status_code == 400
    message = response.json()["region_code"][0]
    assert "规划所属区划须已在区划表中，或其上级区划（141182000000）须已在区划表中" in message
    assert not Plan.objects.filter(slug=NEW_PLAN["slug"]).exists()


def test_a_taken_slug_and_a_reversed_period_are_refused(client, planner_token, demo_plan):
    data = {**NEW_PLAN, "slug": demo_plan.slug, "period_start": 2035, "period_end": 2021}
    response = client.post("/api/plans/", data, content_type="application/json", **planner_token)
    assert response.status_code == 400
    assert "slug" in response.json()


def test_only_planners_create_plans(client, official):
    anonymous = client.post("/api/plans/", NEW_PLAN, content_type="application/json")
    assert anonymous.status_code == 401
    refused = client.post(
        "/api/plans/", NEW_PLAN, content_type="application/json", **token_header(official)
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有规划人员可以新建、发布或撤下规划。"
    assert not Plan.objects.filter(slug=NEW_PLAN["slug"]).exists()


def test_a_plan_without_text_cannot_be_published_then_with_text_it_can(
    client, planner, planner_token, new_audit_events
):
    client.post("/api/plans/", NEW_PLAN, content_type="application/json", **planner_token)
    url = "/api/plans/xiabao-2021-2035/publish/"
    refused = client.post(url, **planner_token)
    assert refused.status_code == 400
    assert "规划尚无文本" in refused.json()["detail"]
    assert not Plan.objects.get(slug="xiabao-2021-2035").is_published

    plan = Plan.objects.get(slug="xiabao-2021-2035")
    Chapter.objects.create(plan=plan, number=1, title="总则")
    published = client.post(url, **planner_token)
    assert published.status_code == 200 and published.json()["is_published"] is True
    assert client.get("/api/plans/xiabao-2021-2035/").status_code == 200
    assert client.get("/plans/xiabao-2021-2035/").status_code == 200
    assert plan.versions.get().is_published

    withdrawn = client.post("/api/plans/xiabao-2021-2035/unpublish/", **planner_token)
    assert withdrawn.status_code == 200 and withdrawn.json()["is_published"] is False
    assert client.get("/api/plans/xiabao-2021-2035/").status_code == 404
    actions = list(new_audit_events().order_by("pk").values_list("action", "after"))
    assert actions == [
        ("plan.create", actions[0][1]),
        # The first publication publishes the version prepared so far (version 1).
        ("version.publish", {"version": 1, "kind": "consultation"}),
        ("plan.publish", {"is_published": True}),
        ("plan.unpublish", {"is_published": False}),
    ]
    assert all(event.actor == planner for event in new_audit_events())


def test_only_planners_publish_or_unpublish(client, demo_plan, official):
    url = f"/api/plans/{demo_plan.slug}/unpublish/"
    assert client.post(url).status_code == 401
    assert client.post(url, **token_header(official)).status_code == 403
    assert Plan.objects.get(pk=demo_plan.pk).is_published


def test_a_township_planner_creates_plans_in_their_township_only(client, db):
    # 下堡镇 is 141181102; a planner granted only 阳泉曲镇 (141181101) may not create its plan.
    planner = make_user("township.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, region_code="141181101000")
    token = token_header(planner)
    response = client.post("/api/plans/", NEW_PLAN, content_type="application/json", **token)
    assert response.status_code == 403
    assert not Plan.objects.filter(slug=NEW_PLAN["slug"]).exists()
    grant(planner, StaffRole.PLANNER, region_code="141181000000")  # now the whole county
    response = client.post("/api/plans/", NEW_PLAN, content_type="application/json", **token)
    assert response.status_code == 201
