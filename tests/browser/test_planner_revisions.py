"""A planner compares a new revision with the published one and publishes it: real Chromium
against the live server. The planner, the layer and its two revisions (written by the ingest
pipeline) are committed here, as the live server cannot see a test's transaction, and removed
afterwards; the audit trail is append-only, so the account is deactivated, not deleted."""

import json
import time
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from layers.models import Layer
from layers.tiles.lookup import LAYER_LOOKUP_SECONDS
from planportal.models import AuditEvent, Plan
from planportal.roles import PLANNERS
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.layers.revisions.revision_helpers import layer_with_two_revisions

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.planner"
PASSWORD = "Publish-Carefully-2035"
COLLECTION = "browser-revisions"
GREEN, RED, ORANGE = "#16a34a", "#dc2626", "#f97316"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        # Only a session with database tests has a test database: never write elsewhere.
        assert connection.settings_dict["NAME"].startswith("test_")
        planner, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        planner.is_active = True
        planner.set_password(PASSWORD)
        planner.save()
        planner.groups.add(Group.objects.get(name=PLANNERS))
        plan = Plan.objects.get(slug=DEMO_SLUG)
        layer, first, second = layer_with_two_revisions(
            plan, COLLECTION, tmp_path_factory.mktemp("revisions"), user=planner
        )
    yield {"planner": planner, "layer": layer, "first": first, "second": second}
    with django_db_blocker.unblock():
        Layer.objects.filter(pk=layer.pk).update(published_revision=None)
        Layer.objects.filter(pk=layer.pk).delete()
        planner.is_active = False
        planner.set_unusable_password()
        planner.save()


def public_keys(live_url: str) -> set[str]:
    url = f"{live_url}/ogc/collections/{COLLECTION}/items?limit=100"
    with urllib.request.urlopen(url, timeout=10) as response:
        return {f["properties"]["BSM"] for f in json.load(response)["features"]}


def tile_version(live_url: str) -> str:
    with urllib.request.urlopen(f"{live_url}/tiles/{COLLECTION}.json", timeout=10) as response:
        return json.load(response)["tiles"][0].split("?v=")[1]


def test_a_planner_sees_the_diff_on_a_map_publishes_and_the_public_gets_the_new_data(
    browser, live_url, scene
):
    before, after = {"B1", "B2", "B3", "B4", "B5"}, {"B1", "B2", "B3", "B4", "B6"}
    assert public_keys(live_url) == before
    old_version = tile_version(live_url)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    diff_path = f"/staff/layers/{COLLECTION}/revisions/2/"

    page.goto(f"{live_url}/staff/login/?next={diff_path}")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{live_url}{diff_path}")

    counts = {
        name: page.locator(f"[data-count={name}]").inner_text()
        for name in ("added", "removed", "changed", "unchanged")
    }
    assert counts == {"added": "1", "removed": "1", "changed": "2", "unchanged": "2"}
    assert page.locator("[data-area=before]").inner_text() == "1.25"
    assert page.locator("[data-area=after]").inner_text() == "1.41"
    page.wait_for_selector('#diff-map[data-drawn="4"]')
    strokes = page.locator("#diff-map path.leaflet-interactive").evaluate_all(
        "paths => paths.map(p => p.getAttribute('stroke'))"
    )
    assert sorted(strokes) == sorted([GREEN, RED, ORANGE, ORANGE])
    page.locator("#diff-map").scroll_into_view_if_needed()
    save_screenshot(page, "planner-revision-diff")

    page.click(f'a[href$="{diff_path}publish/"]')
    page.wait_for_selector(".confirm-box")
    save_screenshot(page, "planner-revision-confirm")
    assert public_keys(live_url) == before  # nothing changes before the confirmation
    page.click(".confirm-box button[type=submit]")
    page.wait_for_url(f"{live_url}/staff/layers/{COLLECTION}/revisions/")
    published_at = time.monotonic()
    assert page.locator("#revision-2 .published-marker").count() == 1
    assert page.locator("#revision-1 .published-marker").count() == 0
    save_screenshot(page, "planner-revision-published")
    assert not errors

    # Items: the gunicorn worker that answered "before" above keeps the layer's row for
    # LAYER_LOOKUP_SECONDS (layers/ogc/lookup.py; the worker that published forgets it at once),
    # so the public has the new revision from every worker once that time has passed.
    time.sleep(max(0.0, published_at + LAYER_LOOKUP_SECONDS - time.monotonic()))
    assert public_keys(live_url) == after
    # Tiles: TileJSON reads the layer in its own request (layers/tiles/lookup.py,
    # fresh_tile_source), so it names the new revision at once. Wait for the new revision
    # itself, not just for a different version (a version also changes with the layer's tile
    # settings). The wait is generous: two CI runs on a loaded 2-core machine saw the old
    # version through a 10 s and a 60 s wait while TileJSON still answered from a worker's
    # kept lookup, which it no longer does.
    published = f"{scene['second'].pk}-"
    deadline = time.monotonic() + 60
    while not tile_version(live_url).startswith(published) and time.monotonic() < deadline:
        time.sleep(0.25)
    version = tile_version(live_url)
    assert version.startswith(published) and version != old_version
    event = AuditEvent.objects.filter(
        action="layer.publish", object_id=str(scene["layer"].pk)
    ).latest("pk")
    assert event.actor_name == USERNAME and event.after["revision"] == 2
    context.close()
