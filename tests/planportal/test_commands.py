"""Management commands: the staff groups and ``createstaff``."""

import getpass
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Yangquanqu-2035-consult"


def test_the_staff_groups_exist_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= {"planners", "officials"}


def test_createstaff_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", GOOD_PASSWORD)
    out = StringIO()
    call_command("createstaff", "wang.official", "--group", "officials", stdout=out)
    user = get_user_model().objects.get(username="wang.official")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["officials"]
    assert user.check_password(GOOD_PASSWORD)
    assert GOOD_PASSWORD not in out.getvalue()


def test_createstaff_asks_for_the_password_twice_without_the_variable(monkeypatch):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    call_command("createstaff", "li.planner", "--group", "planners", stdout=StringIO())
    user = get_user_model().objects.get(username="li.planner")
    assert user.groups.filter(name="planners").exists()
    assert user.check_password(GOOD_PASSWORD)


def test_createstaff_refuses_two_different_passwords_and_creates_nobody(monkeypatch):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD + "x"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("createstaff", "zhao", "--group", "planners")
    assert not get_user_model().objects.filter(username="zhao").exists()


def test_createstaff_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "123456")
    with pytest.raises(CommandError):
        call_command("createstaff", "zhao", "--group", "planners")
    assert not get_user_model().objects.filter(username="zhao").exists()


def test_createstaff_refuses_an_existing_user_and_leaves_it_alone(monkeypatch):
    get_user_model().objects.create_user("zhao", password="old-password-7788")
    monkeypatch.setenv("STAFF_PASSWORD", GOOD_PASSWORD)
    with pytest.raises(CommandError, match="already exists"):
        call_command("createstaff", "zhao", "--group", "officials")
    assert get_user_model().objects.get(username="zhao").check_password("old-password-7788")


def test_createstaff_knows_only_the_staff_groups(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", GOOD_PASSWORD)
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("createstaff", "zhao", "--group", "admins")


def test_createstaff_has_no_password_option():
    with pytest.raises(CommandError, match="unrecognized arguments"):
        call_command("createstaff", "zhao", "--group", "officials", "--password", "x")


def test_load_demo_plan_reports_what_it_loaded_and_changes_nothing_when_run_again():
    out = StringIO()
    call_command("load_demo_plan", stdout=out)
    lines = out.getvalue().splitlines()
    # 山西省, 吕梁市, 孝义市, its 16 乡镇 and the 38 village units of 阳泉曲镇.
    assert lines[0] == "regions: 57 of 孝义市, 0 new"
    assert lines[1] == "updated plan yangquanqu-2021-2035: 8 chapters, 22 sections, 5 indicators"
    assert lines[2] == "layers: 29 in the catalogue, 0 new revisions published"
    # The GeoPackage of the public layers is already up to date: the same file again.
    assert lines[3].startswith("public layers GeoPackage: ") and lines[3].endswith(".gpkg")
    assert lines[4].startswith("consultation ") and " kept: " in lines[4]
    assert len(lines) == 5


def test_an_administrator_reaches_the_plan_in_the_admin(client, demo_plan):
    admin = get_user_model().objects.create_superuser("admin", password=GOOD_PASSWORD)
    client.force_login(admin)
    response = client.get(f"/admin/planportal/plan/{demo_plan.pk}/change/")
    assert response.status_code == 200
    assert demo_plan.name in response.content.decode()


def test_the_admin_is_closed_to_anonymous_visitors(client):
    response = client.get("/admin/planportal/plan/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_createstaff_with_plan_and_region_grants_instead_of_the_group(
    monkeypatch, other_plan, new_audit_events
):
    from planportal.models import RoleGrant
    from planportal.roles import may_moderate
    from tests.factories import make_plan

    plan = make_plan()
    monkeypatch.setenv("STAFF_PASSWORD", GOOD_PASSWORD)
    out = StringIO()
    call_command(
        "createstaff",
        "zhao.town",
        "--group",
        "officials",
        "--plan",
        plan.slug,
        "--region",
        "141181198000",
        stdout=out,
    )
    user = get_user_model().objects.get(username="zhao.town")
    assert user.is_staff and not user.groups.exists()
    held = RoleGrant.objects.filter(user=user, role="official")
    assert {(g.plan_id, g.region_code) for g in held} == {
        (plan.pk, ""),
        (None, "141181198000"),
    }
    assert may_moderate(user, plan) and may_moderate(user, other_plan)
    actions = new_audit_events().filter(action__in=["account.create", "grant.add"])
    assert sorted(actions.values_list("action", flat=True)) == [
        "account.create",
        "grant.add",
        "grant.add",
    ]
    assert GOOD_PASSWORD not in out.getvalue()


def test_createstaff_adds_a_right_to_an_existing_account_and_nothing_else(monkeypatch):
    from planportal.models import RoleGrant

    user = get_user_model().objects.create_user("zhao", password="old-password-7788")
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    call_command(
        "createstaff", "zhao", "--group", "planners", "--region", "141181000000", stdout=StringIO()
    )
    user.refresh_from_db()
    assert user.check_password("old-password-7788")
    assert RoleGrant.objects.get(user=user).region_code == "141181000000"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--group", "planners", "--plan", "no-such-plan"], "no-such-plan"),
        (["--group", "planners", "--region", "1411"], "12"),
        (["--group", "administrators", "--region", "141181000000"], "administrators"),
    ],
)
def test_createstaff_refuses_a_wrong_scope_and_creates_nobody(monkeypatch, options, message):
    monkeypatch.setenv("STAFF_PASSWORD", GOOD_PASSWORD)
    with pytest.raises(CommandError, match=message):
        call_command("createstaff", "zhao", *options, stdout=StringIO())
    assert not get_user_model().objects.filter(username="zhao").exists()


def test_createstaff_makes_a_county_administrator(monkeypatch):
    from planportal.roles import may_manage_accounts

    monkeypatch.setenv("STAFF_PASSWORD", GOOD_PASSWORD)
    call_command("createstaff", "admin.county", "--group", "administrators", stdout=StringIO())
    assert may_manage_accounts(get_user_model().objects.get(username="admin.county"))
