"""After signing in, planners land on their layers and officials on the comment queue."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, user):
    return client.post("/staff/login/", {"username": user.username, "password": PASSWORD})


def test_a_planner_lands_on_the_layers(client, planner):
    response = sign_in(client, planner)
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/staff/layers/"


def test_an_official_lands_on_the_comment_queue(client, official):
    response = sign_in(client, official)
    assert client.get(response["Location"])["Location"] == "/staff/comments/"


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
