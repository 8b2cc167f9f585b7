"""Every response carries a Permissions-Policy that switches off the browser features the
portal does not use, keeping geolocation for its own pages (the map's "locate me"): pages,
the API, errors, static files, and the answers the gunicorn server makes in front of Django."""

import urllib.error
import urllib.request

import pytest

from planportal.middleware import PERMISSIONS_POLICY, permissions_policy_app
from tests.conftest import DEMO_SLUG

pytestmark = pytest.mark.django_db


def directives(value: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in value.split(","))


def test_the_policy_denies_what_the_portal_does_not_use():
    policy = directives(PERMISSIONS_POLICY)
    for feature in ("camera", "microphone", "payment", "usb"):
        assert policy[feature] == "()"
    assert policy["geolocation"] == "(self)"


@pytest.mark.parametrize(
    "url",
    [
        f"/plans/{DEMO_SLUG}/",
        "/api/plans/",
        "/staff/login/",
        "/staff/comments/",  # a redirect to the login
        "/no-such-page/",
        "/healthz",
    ],
)
def test_every_answer_of_django_carries_it(client, demo_plan, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 404), url
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_answers_made_in_front_of_django_get_it_too():
    def bare(environ, start_response):
        start_response("304 Not Modified", [("ETag", '"x"')])
        return [b""]

    seen = {}

    def start_response(status, headers, exc_info=None):
        seen.update(headers)

    permissions_policy_app(bare)({}, start_response)
    assert seen["Permissions-Policy"] == PERMISSIONS_POLICY


@pytest.mark.parametrize("path", ["/healthz", f"/plans/{DEMO_SLUG}/", "/static/no-such.js"])
def test_the_served_portal_sends_it_once(live_url, path):
    try:
        response = urllib.request.urlopen(f"{live_url}{path}", timeout=30)  # noqa: S310
    except urllib.error.HTTPError as error:
        response = error
    assert response.headers.get_all("Permissions-Policy") == [PERMISSIONS_POLICY]
