"""After signing in, planners land on their layers and officials on the comment queue."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db
PASSWORD = "Staff-Home-2035-pass"


def sign_in(client, username, group):
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return client.post("/staff/login/", {"username": username, "password": PASSWORD})


def test_a_planner_lands_on_the_layers(client):
    response = sign_in(client, "li.planner.home", "planners")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/staff/layers/"


def test_an_official_lands_on_the_comment_queue(client):
    response = sign_in(client, "wang.official.home", "officials")
    assert client.get(response["Location"])["Location"] == "/staff/comments/"


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
