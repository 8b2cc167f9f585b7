"""A successful staff login is one audit event (failed ones and lockouts: the throttle's
tests); a login made without a page (Django's test client's force_login) is not."""

import pytest
from django.test import Client

from tests.factories import PASSWORD, make_official

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["/staff/login/", "/admin/login/"])
def test_a_login_through_a_page_is_recorded_with_the_account(page, new_audit_events):
    official = make_official()
    response = Client().post(page, {"username": official.username, "password": PASSWORD})
    assert response.status_code == 302
    (event,) = new_audit_events()
    assert (event.action, event.actor, event.actor_name) == (
        "login.succeeded",
        official,
        official.username,
    )
    assert event.object_type == "auth.user" and event.object_id == str(official.pk)
    assert event.after["path"] == page
    assert len(event.after["address_key"]) == 64  # a keyed hash, never the address
    assert PASSWORD not in str(event.after)


def test_a_failed_login_records_no_success(new_audit_events):
    official = make_official()
    response = Client().post("/staff/login/", {"username": official.username, "password": "x"})
    assert response.status_code == 200
    assert not new_audit_events().filter(action="login.succeeded").exists()


def test_a_session_made_without_a_page_is_not_a_login(new_audit_events):
    Client().force_login(make_official())
    assert not new_audit_events().exists()
