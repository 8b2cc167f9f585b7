"""A successful staff login is one audit event (failed ones and lockouts: the throttle's
tests); a login made without a page (Django's test client's force_login) is not."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import PASSWORD, make_official
from trail.middleware import LOGIN_PATH_END, LOGIN_VIEWS
from trail.models import ACCOUNT_EVENT_MODELS

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


def test_a_password_hash_upgraded_at_login_is_recorded_as_made_at_the_login_page(settings):
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    official = make_official()
    official.password = make_password(PASSWORD, hasher="md5")  # an old, weaker hash
    official.save()
    response = Client().post("/staff/login/", {"username": official.username, "password": PASSWORD})
    assert response.status_code == 302
    event = ACCOUNT_EVENT_MODELS["user"].objects.filter(pgh_obj_id=official.pk).latest("pgh_id")
    assert event.pgh_label == "password.changed"
    assert event.pgh_context["url"] == "/staff/login/"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_login_page_ends_as_the_trail_middleware_expects(language):
    """The trail's middleware resolves only paths ending in LOGIN_PATH_END to find a login
    page (a resident's POST is not resolved twice): a login page named otherwise would go
    unrecorded."""
    with translation.override(language):
        for name in LOGIN_VIEWS:
            assert reverse(name).endswith(LOGIN_PATH_END), name
