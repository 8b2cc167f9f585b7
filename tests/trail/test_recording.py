"""Every change of the plan's record is an event row written by the database, with who acted,
when, and the values before and after: through /admin/, a command, or any other way."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone, translation

from layers.models import PublicPolicy
from planportal.audit import history_context
from planportal.models import PhaseKind, PlanPhase
from planportal.roles import OFFICIALS, PLANNERS
from planportal.versions import new_draft, publish_version
from tests.factories import (
    PASSWORD,
    SOUTH,
    WEST,
    add_revision,
    make_consultation,
    make_layer,
    make_official,
    make_plan,
    square,
    token_header,
)
from tests.trail.conftest import chapter_form, history_of
from trail.entries import plan_trail
from trail.models import ACCOUNT_EVENT_MODELS

pytestmark = pytest.mark.django_db

OLD_TEXT = "严守耕地保护红线。"
NEW_TEXT = "严守耕地和永久基本农田保护红线。"


def test_an_admin_edit_of_a_section_text_records_who_before_and_after(
    admin_site, administrator, plan, draft
):
    chapter = draft.chapters.get()
    section = chapter.sections.get(number="3.1")
    section.blocks = [{"type": "paragraph", "text": OLD_TEXT}]
    section.save()
    url = f"/admin/planportal/chapter/{chapter.pk}/change/"

    new_blocks = [{"type": "paragraph", "text": NEW_TEXT}]
    response = admin_site.post(url, chapter_form(chapter, {"3.1": new_blocks}))

    assert response.status_code == 302, _errors(response)
    section.refresh_from_db()
    assert section.blocks == new_blocks
    last = history_of(section, "section")[-1]
    assert last.pgh_label == "update"
    assert last.pgh_context["username"] == "zhou.admin"
    assert last.pgh_context["user"] == administrator.pk
    assert last.pgh_context["url"] == url
    assert last.pgh_diff == {"blocks": [[{"type": "paragraph", "text": OLD_TEXT}], new_blocks]}
    # The other section was saved unchanged by the same form: no event for it.
    other = chapter.sections.get(number="3.2")
    assert [e.pgh_label for e in history_of(other, "section")] == ["create"]

    entry = next(e for e in plan_trail(plan) if e.subject.startswith("3.1") or "3.1" in e.subject)
    assert (entry.actor, entry.action, entry.via) == ("zhou.admin", "修改", url)
    change = entry.changes[0]
    assert (change.before, change.after) == (OLD_TEXT, NEW_TEXT)
    assert ("added", "和永久基本农田") in change.segments


def test_an_admin_edit_of_the_plan_status_and_an_indicator(admin_site, plan, draft):
    indicators = draft.indicators
    response = admin_site.get(f"/admin/planportal/plan/{plan.pk}/change/")
    assert response.status_code == 200
    with history_context(command="test"):
        indicator = indicators.create(
            name="耕地保有量", value="1000.5", unit="公顷", year=2035, kind="binding"
        )
    plan.status = "notice"
    with history_context(get_user_model().objects.get(username="zhou.admin")):
        plan.save()
        indicator.value = "980"
        indicator.save()
    plan_events = history_of(plan, "plan")
    assert plan_events[-1].pgh_diff == {"status": ["draft", "notice"]}
    indicator_events = history_of(indicator, "indicator")
    assert [e.pgh_label for e in indicator_events] == ["create", "update"]
    assert indicator_events[0].pgh_context["command"] == "test"
    assert indicator_events[1].pgh_diff == {"value": [1000.5, 980.0]}
    entries = plan_trail(plan, kind="plan")
    status = next(
        e for e in entries if e.subject == f"规划 {plan.name}" and e.action == "修改"
    ).changes
    assert [(c.field, c.before, c.after) for c in status] == [
        ("状态", "草案 (draft)", "公示中 (notice)")
    ]


def test_a_consultation_created_and_its_dates_changed(plan, official):
    with history_context(official):
        consultation = make_consultation(plan)
        consultation.closes_at = consultation.closes_at + timezone.timedelta(days=7)
        consultation.save()
    created, changed = history_of(consultation, "consultation")
    assert (created.pgh_label, changed.pgh_label) == ("create", "update")
    assert {created.pgh_context["username"], changed.pgh_context["username"]} == {official.username}
    assert set(changed.pgh_diff) == {"closes_at"}
    entry = next(e for e in plan_trail(plan, kind="consultations") if e.action == "修改")
    (change,) = entry.changes
    assert change.before < change.after and len(change.after) == len("2027-01-06 12:00:00")


def test_a_layer_settings_and_public_policy_change(plan, planner):
    layer = make_layer(plan, "test-yjjbnt", code="YJJBNT")
    first_section = layer.section_id  # the factories give a layer what the publish gate asks
    with history_context(planner):
        layer.public_policy = PublicPolicy.TILES_ONLY
        layer.min_zoom = 12
        layer.section = plan.chapters.get().sections.get(number="3.2")
        layer.save()
    last = history_of(layer, "layer")[-1]
    assert last.pgh_context["username"] == planner.username
    assert last.pgh_diff == {
        "public_policy": [PublicPolicy.FEATURES, PublicPolicy.TILES_ONLY],
        "min_zoom": [0, 12],
        "section_id": [first_section, layer.section_id],
    }
    entry = next(e for e in plan_trail(plan, kind="layers") if e.action == "修改")
    assert entry.actor == planner.username
    assert {(c.field, c.before, c.after) for c in entry.changes} == {
        ("公开方式", "要素与瓦片 (features)", "仅瓦片（不提供坐标下载） (tiles-only)"),
        ("最小缩放级别", "0", "12"),
        ("节", "3.1 总体格局", "3.2 控制线划定"),
    }


def test_createstaff_records_the_account_and_its_group_with_the_command_as_actor(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)
    call_command("createstaff", "sun.official", "--group", OFFICIALS, stdout=StringIO())
    user = get_user_model().objects.get(username="sun.official")
    user_events = ACCOUNT_EVENT_MODELS["user"].objects.filter(pgh_obj_id=user.pk)
    (created,) = user_events
    assert created.pgh_label == "create" and created.is_staff
    assert created.pgh_context["command"] == "createstaff"
    assert "password" not in {f.name for f in created._meta.fields}
    (joined,) = ACCOUNT_EVENT_MODELS["group"].objects.filter(user_id=user.pk)
    assert joined.pgh_label == "group.add"
    assert joined.group_id == Group.objects.get(name=OFFICIALS).pk
    assert joined.pgh_context["command"] == "createstaff"


def test_an_admin_changes_a_users_groups_and_password(admin_site, administrator):
    user = make_official("qian.official")
    planners = Group.objects.get(name=PLANNERS)
    form = admin_site.get(f"/admin/auth/user/{user.pk}/change/")
    assert form.status_code == 200
    response = admin_site.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": user.username,
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [planners.pk],  # out of officials, into planners
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    memberships = ACCOUNT_EVENT_MODELS["group"].objects.filter(user_id=user.pk).order_by("pgh_id")
    labels = [
        (e.pgh_label, e.group_id, e.pgh_context and e.pgh_context.get("username"))
        for e in memberships
    ]
    officials = Group.objects.get(name=OFFICIALS).pk
    assert labels[-2:] == [
        ("group.remove", officials, "zhou.admin"),
        ("group.add", planners.pk, "zhou.admin"),
    ] or labels[-2:] == [
        ("group.add", planners.pk, "zhou.admin"),
        ("group.remove", officials, "zhou.admin"),
    ]

    response = admin_site.post(
        f"/admin/auth/user/{user.pk}/password/",
        {
            "password1": "New-Password-For-2035",
            "password2": "New-Password-For-2035",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    last = ACCOUNT_EVENT_MODELS["user"].objects.filter(pgh_obj_id=user.pk).latest("pgh_id")
    assert last.pgh_label == "password.changed"
    assert last.pgh_context["username"] == "zhou.admin"
    entries = [e for e in plan_trail_of_accounts() if e.subject.endswith("qian.official")]
    assert entries[0].action == "修改密码" and entries[0].changes == []


def test_deleting_a_user_is_recorded_with_its_name(administrator):
    user = make_official("zheng.official")
    pk = user.pk
    with history_context(administrator):
        user.delete()
    events = ACCOUNT_EVENT_MODELS["user"].objects.filter(pgh_obj_id=pk).order_by("pgh_id")
    assert [e.pgh_label for e in events] == ["create", "delete"]
    assert events.last().username == "zheng.official"
    (removed,) = ACCOUNT_EVENT_MODELS["group"].objects.filter(user_id=pk, pgh_label="group.remove")
    assert removed.pgh_context["username"] == administrator.username


def plan_trail_of_accounts():
    return plan_trail(make_plan("accounts-only"), kind="accounts")


def _errors(response) -> str:
    """The admin form's errors, when it came back instead of saving."""
    context = response.context
    errors = [context["adminform"].form.errors]
    errors += [formset.formset.errors for formset in context.get("inline_admin_formsets", [])]
    return repr(errors)


def test_a_publish_through_the_api_with_a_token_names_the_planner(client, plan, planner):
    layer = make_layer(plan, "test-api-layer", shapes=[square(WEST, SOUTH, 0.01)])
    first = layer.published_revision
    second = add_revision(layer, [square(WEST, SOUTH, 0.02)])
    response = client.post(
        f"/api/layers/{layer.collection_id}/revisions/{second.number}/publish/",
        {"expected_current": first.number},
        content_type="application/json",
        **token_header(planner),
    )
    assert response.status_code == 200, response.content
    last = history_of(layer, "layer")[-1]
    assert last.pgh_diff == {"published_revision_id": [first.pk, second.pk]}
    assert last.pgh_context["username"] == planner.username
    assert last.pgh_context["url"] == f"/api/layers/{layer.collection_id}/revisions/2/publish/"


def test_a_version_published_and_a_procedure_step_are_in_the_plans_trail(plan, official):
    """Versions and procedure steps are part of the plan's record (kind "plan"): who made a
    draft, who published it, and the steps entered on the timeline."""
    with history_context(official):
        draft = new_draft(plan, official, label="修改稿（第二次公示）")
        publish_version(draft, official)
        PlanPhase.objects.create(
            plan=plan,
            kind=PhaseKind.HEARING,
            title="规划听证会",
            starts_at=timezone.now(),
            place="镇政府会议室",
            version=draft,
        )
    published = history_of(draft, "version")[-1]
    assert published.pgh_context["username"] == official.username
    assert published.pgh_diff["state"] == ["draft", "published"]
    with translation.override("zh-hans"):
        entries = plan_trail(plan, kind="plan")
    subjects = {(e.subject, e.action) for e in entries}
    assert ("规划第 2 版：修改稿（第二次公示）", "修改") in subjects
    assert ("规划第 2 版：修改稿（第二次公示）", "创建") in subjects
    assert ("程序环节 规划听证会", "创建") in subjects
    state = next(e for e in entries if e.subject.startswith("规划第 2 版") and e.action == "修改")
    assert state.actor == official.username
    actions = {e.action for e in entries if e.actor == official.username}
    assert {"新建规划版本", "发布规划版本"} <= actions
