"""Every page carries a Permissions-Policy that switches off the browser features the portal
does not use, keeping geolocation for its own pages (the map's "locate me"): pages, the login,
error pages. Browsers read it on documents only, so scripts, styles, tiles and JSON go
without it (46 requests of the map would each pay its bytes on a weak phone)."""

import urllib.error
import urllib.request

import pytest

from planportal.middleware import PERMISSIONS_POLICY
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
        f"/plans/{DEMO_SLUG}/map/",
        "/staff/login/",
        "/no-such-page/",
    ],
)
def test_every_page_carries_it(client, demo_plan, url):
    response = client.get(url)
    assert response.status_code in (200, 404), url
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


@pytest.mark.parametrize("url", ["/api/plans/", "/healthz"])
def test_machine_answers_go_without_it(client, demo_plan, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Permissions-Policy" not in response


@pytest.mark.parametrize(
    ("path", "count"), [(f"/plans/{DEMO_SLUG}/", 1), ("/healthz", 0), ("/static/js/sheet.js", 0)]
)
def test_the_served_portal_sends_it_once_on_pages(live_url, path, count):
    try:
        response = urllib.request.urlopen(f"{live_url}{path}", timeout=30)  # noqa: S310
    except urllib.error.HTTPError as error:
        response = error
    assert (response.headers.get_all("Permissions-Policy") or []) == [PERMISSIONS_POLICY] * count
