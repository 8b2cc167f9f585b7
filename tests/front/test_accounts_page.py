"""/staff/accounts/: a county administrator manages staff accounts and their rights per plan
and per region (front/accounts.py, planportal/accounts.py); each step is in the audit trail of
the plans it concerns."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from planportal.models import AuditEvent, Plan, RoleGrant, StaffRole
from planportal.roles import may_manage_layers, may_moderate
from tests.factories import (
    COUNTY_CODE,
    audit_baseline,
    grant,
    make_official,
    make_plan,
    make_user,
)

pytestmark = pytest.mark.django_db
ACCOUNTS = "/staff/accounts/"


@pytest.fixture
def plan(db):
    return make_plan()


@pytest.fixture
def administrator(db):
    return make_user("admin.county", "administrators", is_staff=True)


@pytest.fixture
def admin_client(administrator) -> Client:
    client = Client()
    client.force_login(administrator)
    return client


def test_only_county_administrators_reach_the_page(client, official_client, planner_client):
    anonymous = client.get(ACCOUNTS)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    assert official_client.get(ACCOUNTS).status_code == 403
    assert planner_client.get(ACCOUNTS).status_code == 403
    assert (
        planner_client.post(reverse("staff-account-create"), {"username": "x"}).status_code == 403
    )


def test_only_administrators_see_the_accounts_in_the_navigation(official_client):
    assert f'href="{ACCOUNTS}"' not in official_client.get("/staff/comments/").content.decode()


def test_an_administrator_lands_on_the_page_and_finds_it_in_the_navigation(admin_client):
    home = admin_client.get("/staff/")
    assert home.status_code == 302 and home["Location"] == ACCOUNTS
    page = admin_client.get(ACCOUNTS)
    assert page.status_code == 200
    assert "no-cache" in page["Cache-Control"]
    html = page.content.decode()
    assert f'href="{ACCOUNTS}"' in html and "账号与权限" in html
    assert 'href="/staff/comments/"' not in html  # no plan role: not the officials' rooms


def test_the_page_lists_staff_accounts_with_their_rights(admin_client, plan, official):
    planner = make_user("town.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, plan=plan)
    grant(planner, StaffRole.PLANNER, region_code=COUNTY_CODE)
    make_user("resident")  # not staff: not listed
    html = admin_client.get(ACCOUNTS).content.decode()
    assert "wang.official" in html and "官员：全部规划（组）" in html
    assert "town.planner" in html and plan.name in html and "141181000000" in html
    assert "resident" not in html


def test_creating_an_account_shows_a_temporary_password_once_and_is_recorded(admin_client):
    before = audit_baseline()
    response = admin_client.post(
        reverse("staff-account-create"), {"username": "zhao.town", "email": "zhao@example.cn"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    shown = re.search(r'<code class="temporary-password">([^<]+)</code>', html).group(1)
    user = get_user_model().objects.get(username="zhao.town")
    assert user.check_password(shown) and user.is_staff and user.is_active
    assert not user.groups.exists() and not user.role_grants.exists()
    event = AuditEvent.objects.get(pk__gt=before, action="account.create")
    assert event.actor.username == "admin.county" and event.object_id == str(user.pk)
    assert shown not in str(event.after) and shown not in event.summary
    assert shown not in admin_client.get(ACCOUNTS).content.decode()  # once only
    holder = Client()
    holder.force_login(user)
    assert holder.get("/admin/password_change/").status_code == 200  # where to change it


def test_an_existing_username_is_refused_in_chinese(admin_client, official):
    response = admin_client.post(reverse("staff-account-create"), {"username": "wang.official"})
    assert response.status_code == 400
    assert "账号 wang.official 已存在" in response.content.decode()


def test_granting_and_revoking_a_plan_right_is_in_that_plans_trail_only(
    admin_client, administrator, plan, other_plan, official_client
):
    planner = make_user("town.planner", is_staff=True)
    response = admin_client.post(
        reverse("staff-grant-add"),
        {"user": "town.planner", "role": StaffRole.PLANNER, "plan": plan.slug},
    )
    assert response.status_code == 302
    given = RoleGrant.objects.get(user=planner)
    assert given.plan == plan and given.granted_by == administrator
    assert may_manage_layers(planner, plan) and not may_manage_layers(planner, other_plan)
    assert "town.planner" in admin_client.get(ACCOUNTS).content.decode()

    revoked = admin_client.post(reverse("staff-grant-revoke", args=[given.pk]))
    assert revoked.status_code == 302
    assert not RoleGrant.objects.filter(user=planner).exists()
    assert not may_manage_layers(planner, plan)

    own_trail = official_client.get(reverse("plan-trail", args=[plan.slug])).content.decode()
    assert "授予权限" in own_trail and "撤销权限" in own_trail
    assert "town.planner" in own_trail
    other_trail = official_client.get(reverse("plan-trail", args=[other_plan.slug]))
    assert "授予权限" not in other_trail.content.decode()


def test_a_county_grant_is_in_the_trail_of_every_plan_of_the_county(
    admin_client, plan, other_plan, official_client
):
    make_user("county.official", is_staff=True)
    admin_client.post(
        reverse("staff-grant-add"),
        {"user": "county.official", "role": StaffRole.OFFICIAL, "region_code": COUNTY_CODE},
    )
    official = get_user_model().objects.get(username="county.official")
    assert may_moderate(official, plan) and may_moderate(official, other_plan)
    for each in (plan, other_plan):
        trail = official_client.get(reverse("plan-trail", args=[each.slug])).content.decode()
        assert "授予权限" in trail and "county.official" in trail


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "请指定一个规划或一个区划代码。"),
        ({"plan": "PLAN", "region_code": COUNTY_CODE}, "请指定一个规划或一个区划代码。"),
        ({"region_code": "1411810"}, "区划代码须为 12 位数字"),
    ],
)
def test_a_grant_names_exactly_one_plan_or_one_valid_region(admin_client, plan, fields, message):
    make_user("town.planner", is_staff=True)
    fields = {key: plan.slug if value == "PLAN" else value for key, value in fields.items()}
    response = admin_client.post(
        reverse("staff-grant-add"), {"user": "town.planner", "role": "planner", **fields}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RoleGrant.objects.filter(user__username="town.planner").exists()


def test_the_same_right_twice_is_refused(admin_client, plan):
    planner = make_user("town.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, plan=plan)
    response = admin_client.post(
        reverse("staff-grant-add"),
        {"user": "town.planner", "role": StaffRole.PLANNER, "plan": plan.slug},
    )
    assert response.status_code == 400
    assert "该账号已有此权限。" in response.content.decode()
    assert RoleGrant.objects.filter(user=planner).count() == 1


def test_deactivating_an_account_ends_its_rights_and_is_recorded(admin_client, plan):
    official = make_user("town.official", is_staff=True)
    grant(official, StaffRole.OFFICIAL, plan=plan)
    before = audit_baseline()
    url = reverse("staff-account-active", args=[official.pk])
    assert admin_client.post(url, {"active": "0"}).status_code == 302
    official.refresh_from_db()
    assert not official.is_active and not may_moderate(official, plan)
    assert AuditEvent.objects.filter(pk__gt=before, action="account.deactivate").count() == 1
    login = Client().post(
        "/staff/login/", {"username": "town.official", "password": "Answer-Every-Opinion-2035"}
    )
    assert login.status_code == 200  # the form again: no session
    admin_client.post(url, {"active": "1"})
    official.refresh_from_db()
    assert official.is_active and may_moderate(official, plan)


def test_an_administrator_cannot_deactivate_themselves_or_a_superuser(admin_client, administrator):
    root = make_user("root", is_superuser=True, is_staff=True)
    for user in (administrator, root):
        response = admin_client.post(
            reverse("staff-account-active", args=[user.pk]), {"active": "0"}, follow=True
        )
        user.refresh_from_db()
        assert user.is_active
        assert response.context["messages"]  # said why


def test_every_form_needs_the_csrf_token(administrator, plan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    make_user("town.planner", is_staff=True)
    response = client.post(
        reverse("staff-grant-add"),
        {"user": "town.planner", "role": StaffRole.PLANNER, "plan": plan.slug},
    )
    assert response.status_code == 403
    assert not RoleGrant.objects.filter(user__username="town.planner").exists()
    page = client.get(ACCOUNTS).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 2


def test_names_on_the_page_are_escaped(admin_client):
    Plan.objects.filter(pk=make_plan("odd-2021-2035").pk).update(
        name="<script>alert(1)</script>镇规划"
    )
    make_official("x.official")
    html = admin_client.get(ACCOUNTS).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;镇规划" in html


def test_the_page_in_english(admin_client, official):
    html = admin_client.get("/en" + ACCOUNTS).content.decode()
    assert "Staff accounts and rights" in html and "Official on every plan (group)" in html
