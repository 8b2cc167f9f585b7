"""Planners create a plan on /staff/plans/new/ and show it on the portal or take it off on
/staff/plans/; the region code is checked against its parent region; each step is audited."""

from planportal.models import Chapter, Plan

FORM = {
    "name": "孝义市杜村乡国土空间总体规划（2021-2035年）",
    "slug": "ducun-2021-2035",
    "region_code": "141181204000",
    "region_name": "",
    "organisation": "杜村乡人民政府",
    "compiled_by": "吕梁市规划设计院",
    "period_start": "2021",
    "period_end": "2035",
    "contact_phone": "0358-7000002",
    "contact_email": "dcx@example.cn",
}


def test_a_planner_creates_a_plan_on_the_staff_page(planner_client, planner, new_audit_events):
    form = planner_client.get("/staff/plans/new/")
    assert form.status_code == 200
    page = form.content.decode()
    assert "新建规划" in page and 'name="region_code"' in page and 'name="compiled_by"' in page
    response = planner_client.post("/staff/plans/new/", FORM, follow=True)
    assert response.redirect_chain[-1][0] == "/staff/plans/"
    page = response.content.decode()
    assert "已新建规划" in page and "尚未向公众公开" in page
    plan = Plan.objects.get(slug="ducun-2021-2035")
    assert plan.region_name == "山西省吕梁市孝义市杜村乡"
    assert (plan.is_published, plan.compiled_by) == (False, "吕梁市规划设计院")
    assert new_audit_events().get(action="plan.create").actor == planner
    # Listed for staff as not shown, with why it cannot be shown yet.
    assert "规划尚无文本" in page and 'id="plan-ducun-2021-2035"' in page


def test_a_region_code_outside_the_hierarchy_is_refused_on_the_page(planner_client):
    response = planner_client.post("/staff/plans/new/", {**FORM, "region_code": "141182204000"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "不符合规则" in page and "上级区划（141182000000）" in page
    assert not Plan.objects.filter(slug="ducun-2021-2035").exists()


def test_a_reversed_period_is_refused(planner_client):
    response = planner_client.post(
        "/staff/plans/new/", {**FORM, "period_start": "2035", "period_end": "2021"}
    )
    assert response.status_code == 400
    assert "规划期限的目标年须晚于起始年" in response.content.decode()


def test_publishing_needs_text_then_shows_the_plan_and_taking_it_off_hides_it(
    planner_client, client, planner, new_audit_events
):
    planner_client.post("/staff/plans/new/", FORM)
    url = "/staff/plans/ducun-2021-2035/publish/"
    refused = planner_client.post(url, {"publish": "1"}, follow=True)
    assert "规划尚无文本" in refused.content.decode()
    assert not Plan.objects.get(slug="ducun-2021-2035").is_published

    Chapter.objects.create(plan=Plan.objects.get(slug="ducun-2021-2035"), number=1, title="总则")
    shown = planner_client.post(url, {"publish": "1"}, follow=True)
    assert "已公开发布" in shown.content.decode()
    assert client.get("/plans/ducun-2021-2035/").status_code == 200
    assert FORM["name"] in client.get("/").content.decode()

    planner_client.post(url, {"publish": "0"})
    assert client.get("/plans/ducun-2021-2035/").status_code == 404
    actions = list(new_audit_events().order_by("pk").values_list("action", flat=True))
    # The first publication publishes the version prepared so far (version 1) too.
    assert actions == ["plan.create", "version.publish", "plan.publish", "plan.unpublish"]


def test_only_planners_reach_the_plan_pages(client, official_client, demo_plan):
    assert client.get("/staff/plans/new/").status_code == 302
    assert official_client.get("/staff/plans/").status_code == 403
    assert official_client.post("/staff/plans/new/", FORM).status_code == 403
    url = f"/staff/plans/{demo_plan.slug}/publish/"
    assert official_client.post(url, {"publish": "0"}).status_code == 403
    assert Plan.objects.get(pk=demo_plan.pk).is_published


def test_the_staff_navigation_leads_planners_to_the_plans(planner_client):
    page = planner_client.get("/staff/plans/").content.decode()
    assert 'href="/staff/plans/"' in page and 'href="/staff/plans/new/"' in page
