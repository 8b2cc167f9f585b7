"""Rights per plan and per region (planportal/roles.py, planportal.RoleGrant): who holds a role
where, and what the staff lists show of the plans a person does not hold it for. Every staff
endpoint's answer is in test_rights_matrix.py."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from layers.models import UploadJob
from planportal.models import RoleGrant, StaffRole, enclosing_regions, region_prefix
from planportal.roles import (
    layer_plans,
    may_manage_accounts,
    may_manage_layers,
    may_moderate,
    moderated_plans,
)
from tests.factories import (
    COUNTY_CODE,
    OTHER_TOWN_CODE,
    add_revision,
    grant,
    make_consultation,
    make_layer,
    make_official,
    make_plan,
    make_planner,
    make_user,
    square,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(db):
    return make_plan()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("140000000000", "14"),  # 省
        ("141100000000", "1411"),  # 市
        ("141181000000", "141181"),  # 县
        ("141181101000", "141181101"),  # 乡镇
        ("141181101201", "141181101201"),  # 村
        ("141181100000", "141181100"),  # a 乡镇 whose own digits end in 0
    ],
)
def test_a_region_code_is_read_by_its_significant_digits(code, prefix):
    assert region_prefix(code) == prefix
    assert code in enclosing_regions(code.ljust(12, "0"))


def test_the_regions_a_township_lies_in():
    assert enclosing_regions("141181199000") == [
        "140000000000",
        "141100000000",
        "141181000000",
        "141181199000",
    ]


def test_a_plan_grant_holds_for_that_plan_only(plan, other_plan, demo_plan):
    planner = make_user("plan.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, plan=plan)
    assert may_manage_layers(planner, plan)
    assert not may_manage_layers(planner, other_plan)
    assert not may_manage_layers(planner, demo_plan)
    assert may_manage_layers(planner)  # on some plan: the staff pages let them in
    assert not may_moderate(planner, plan)  # a planner's grant is no official's right
    assert list(layer_plans(planner)) == [plan]
    assert not moderated_plans(planner).exists()


def test_a_county_grant_covers_every_plan_of_the_county(plan, other_plan, demo_plan):
    official = make_user("county.official", is_staff=True)
    grant(official, StaffRole.OFFICIAL, region_code=COUNTY_CODE)
    outside = make_plan("elsewhere-2021-2035", region_code="141182100000", town="别县镇")
    for covered in (plan, other_plan, demo_plan):
        assert may_moderate(official, covered)
    assert not may_moderate(official, outside)
    assert set(moderated_plans(official)) == {plan, other_plan, demo_plan}


def test_a_township_grant_covers_that_township_only(plan, other_plan):
    official = make_user("town.official", is_staff=True)
    grant(official, StaffRole.OFFICIAL, region_code=OTHER_TOWN_CODE)
    assert may_moderate(official, other_plan)
    assert not may_moderate(official, plan)
    assert list(moderated_plans(official)) == [other_plan]


def test_the_groups_hold_their_role_on_every_plan(plan, other_plan):
    planner, official = make_planner(), make_official()
    assert may_manage_layers(planner, plan) and may_manage_layers(planner, other_plan)
    assert may_moderate(official, plan) and may_moderate(official, other_plan)
    assert set(layer_plans(planner)) >= {plan, other_plan}


def test_a_deactivated_account_holds_no_grant(plan):
    official = make_user("gone.official", is_staff=True)
    grant(official, StaffRole.OFFICIAL, plan=plan)
    official.is_active = False
    official.save()
    assert not may_moderate(official, plan)
    assert not moderated_plans(official).exists()


def test_only_administrators_and_superusers_manage_accounts():
    administrator = make_user("admin.county", "administrators", is_staff=True)
    assert may_manage_accounts(administrator)
    assert may_manage_accounts(make_user("root", is_superuser=True))
    assert not may_manage_accounts(make_official())
    assert not may_manage_accounts(make_planner())


def test_the_database_refuses_a_grant_with_both_or_neither_scope(plan):
    user = make_user("someone")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role="planner", plan=plan, region_code=COUNTY_CODE)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role="planner")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role="planner", region_code="1411")


# --- what the lists show ----------------------------------------------------------------------


def test_the_layer_list_shows_only_the_plans_of_the_grant(plan, other_plan):
    own = make_layer(plan, "test-town-roads", shapes=[square(112.01, 38.01, 0.01)])
    foreign = make_layer(other_plan, "other-town-roads", shapes=[square(112.2, 38.01, 0.01)])
    for layer in (own, foreign):
        UploadJob.objects.create(
            plan=layer.plan,
            layer=layer,
            collection_id=layer.collection_id,
            stored_file="uploads/none.zip",
            original_name=f"{layer.collection_id}.zip",
        )
    planner = make_user("plan.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, plan=plan)
    page = signed_in(planner).get(reverse("staff-layers")).content.decode()
    assert "test-town-roads" in page and "test-town-roads.zip" in page
    assert "other-town-roads" not in page and other_plan.name not in page


def test_the_new_layer_form_offers_and_accepts_only_the_plans_of_the_grant(plan, other_plan):
    planner = make_user("plan.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, plan=plan)
    client = signed_in(planner)
    page = client.get(reverse("staff-upload-layer")).content.decode()
    assert plan.name in page and other_plan.name not in page
    response = client.post(
        reverse("staff-upload-layer"),
        {"plan": other_plan.pk, "collection_id": "other-town-new", "title": "新图层"},
    )
    assert "plan" in response.context["form"].errors  # not a choice
    assert not UploadJob.objects.filter(collection_id="other-town-new").exists()


def test_a_planner_of_another_plan_sees_a_layer_as_the_public_does(plan, other_plan):
    layer = make_layer(other_plan, "other-town-roads", shapes=[square(112.2, 38.01, 0.01)])
    add_revision(layer, [square(112.21, 38.02, 0.01)])  # revision 2, not published
    planner = make_user("plan.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, plan=plan)
    client = signed_in(planner)
    listed = client.get(reverse("api-layer-revisions", args=[layer.collection_id])).json()
    assert [row["number"] for row in listed["revisions"]] == [1]
    assert "status" not in listed["revisions"][0]
    draft_diff = reverse("api-layer-revision-diff", args=[layer.collection_id, 2])
    assert client.get(draft_diff).status_code == 404
    owner = make_user("other.planner", is_staff=True)
    grant(owner, StaffRole.PLANNER, plan=other_plan)
    assert signed_in(owner).get(draft_diff).status_code == 200


def test_the_comment_queue_offers_only_the_consultations_of_the_grant(plan, other_plan):
    own = make_consultation(plan, title="测试镇征求意见")
    make_consultation(other_plan, title="另一镇征求意见")
    official = make_user("plan.official", is_staff=True)
    grant(official, StaffRole.OFFICIAL, plan=plan)
    response = signed_in(official).get(reverse("staff-queue"))
    assert response.status_code == 200
    assert response.context["consultation"] == own
    page = response.content.decode()
    assert "测试镇征求意见" in page and "另一镇征求意见" not in page


def test_the_trail_index_lists_only_the_plans_of_the_grant(plan, other_plan):
    official = make_user("county.official", is_staff=True)
    grant(official, StaffRole.OFFICIAL, region_code=OTHER_TOWN_CODE)
    grant(official, StaffRole.OFFICIAL, plan=plan)
    page = signed_in(official).get(reverse("trail-index")).content.decode()
    assert plan.name in page and other_plan.name in page
    only_other = make_user("town.official", is_staff=True)
    grant(only_other, StaffRole.OFFICIAL, region_code=OTHER_TOWN_CODE)
    response = signed_in(only_other).get(reverse("trail-index"))
    assert response.status_code == 302  # one plan: straight to its trail
    assert response["Location"].endswith(reverse("plan-trail", args=[other_plan.slug]))


def test_import_layer_acts_only_for_a_planner_of_that_plan(plan, other_plan, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    planner = make_user("plan.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, plan=plan)
    make_layer(other_plan, "other-town-roads", shapes=[square(112.2, 38.01, 0.01)])
    with pytest.raises(CommandError, match="plan.planner"):
        call_command(
            "import_layer",
            other_plan.slug,
            "other-town-roads",
            str(tmp_path / "absent.zip"),
            "--publish",
            "--actor",
            "plan.planner",
        )
