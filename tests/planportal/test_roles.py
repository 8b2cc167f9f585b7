"""Who may do what (planportal/roles.py): the two staff roles, as every page, API view and
service checks them."""

import pytest
from django.test import Client

from planportal.roles import is_official, is_planner, may_manage_layers, may_moderate
from tests.factories import make_official, make_planner, make_user

pytestmark = pytest.mark.django_db


def test_only_the_group_officials_and_superusers_count_as_officials():
    official = make_official()
    assert may_moderate(official) and is_official(official)
    assert may_moderate(make_user("root", is_superuser=True))
    assert not may_moderate(make_planner())
    assert not may_moderate(make_user("resident"))
    official.is_active = False
    assert not may_moderate(official) and not is_official(official)


def test_only_the_group_planners_and_superusers_count_as_planners():
    planner = make_planner()
    assert may_manage_layers(planner) and is_planner(planner)
    assert may_manage_layers(make_user("root", is_superuser=True))
    assert not may_manage_layers(make_official())
    assert not may_manage_layers(make_user("resident"))
    planner.is_active = False
    assert not may_manage_layers(planner)


def test_a_role_is_asked_with_the_plan_it_is_for(demo_plan):
    """The permission takes the plan, so a role held for one plan only needs no new call."""
    assert may_manage_layers(make_planner(), demo_plan)
    assert not may_manage_layers(make_official(), demo_plan)
    assert may_moderate(make_official("zhao.official"), demo_plan)


@pytest.mark.parametrize(
    ("page", "allowed"),
    [("/staff/layers/", "planner"), ("/staff/comments/", "official")],
)
def test_each_staff_room_admits_its_role_only(page, allowed):
    users = {"planner": make_planner(), "official": make_official()}
    anonymous = Client().get(page)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        response = client.get(page)
        assert response.status_code == (200 if role == allowed else 403), (role, page)
        assert "no-cache" in response.get("Cache-Control", "") or response.status_code == 403


def test_the_staff_shell_shows_each_role_the_rooms_it_opens(planner_client, official_client):
    layers_page = planner_client.get("/en/staff/layers/").content.decode()
    queue_page = official_client.get("/en/staff/comments/").content.decode()
    assert 'href="/en/staff/layers/"' in layers_page
    assert 'href="/en/staff/comments/"' not in layers_page
    assert 'href="/en/staff/comments/"' in queue_page
    assert 'href="/en/staff/layers/"' not in queue_page
