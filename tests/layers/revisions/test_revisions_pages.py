"""The planners' revision pages: the history of a layer, one revision with its problems and its
diff (counts, hectares, changed features, map data), and publish / roll back through a
confirmation with the CSRF token; planners only."""

import re

import pytest
from django.http import HttpRequest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from layers.ingest import render_message
from layers.models import Layer, PublicPolicy
from layers.revisions.publishing import publish_revision
from planportal.models import AuditEvent
from tests.factories import PASSWORD, audit_baseline, make_official, make_planner, make_user


def page(layer, tail: str = "") -> str:
    return f"/staff/layers/{layer.collection_id}/revisions/{tail}"


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_history_lists_every_revision_with_its_facts_and_the_published_marker(
    planner_client, planner, known_pair
):
    layer, first, second = known_pair
    response = planner_client.get(page(layer))
    text = text_of(response)
    html = response.content.decode()
    for name in ("parcels-v1.zip", "parcels-v2.zip", "EPSG:4546", planner.username):
        assert name in text
    assert html.index('id="revision-2"') < html.index('id="revision-1"')  # newest first
    published_row = html[html.index('id="revision-1"') :]
    assert 'class="published-marker"' in published_row.split("</tr>")[0]
    assert 'class="published-marker"' not in html[html.index('id="revision-2"') :].split("</tr>")[0]
    assert page(layer, "2/publish/") in html and page(layer, "1/rollback/") not in html


def test_a_revision_page_shows_the_counts_hectares_and_what_changed(planner_client, known_pair):
    layer, _first, _second = known_pair
    response = planner_client.get(page(layer, "2/"))
    html = response.content.decode()
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert counts == {"added": "1", "removed": "1", "changed": "2", "unchanged": "2"}
    areas = dict(re.findall(r'data-area="(\w+)">([\d.]+)<', html))
    assert areas == {"before": "1.25", "after": "1.41"}
    table = text_of(response).split(gettext("Changed features"))[1]
    assert "B2" in table and "DLMC : 水田 → 旱地" in table and "DLBM : 0101 → 0103" in table
    assert "B3" in table
    assert 'id="diff-map-config"' in html and "diff-map.js" in html


def test_problems_are_shown_in_the_readers_language(planner_client, known_pair):
    layer, _first, second = known_pair
    problem = {
        "code": "geometry_repaired",
        "severity": "warning",
        "feature": 3,
        "field": None,
        "params": {"reason": "Self-intersection"},
        "message": "stored text",
    }
    second.problems = [problem]
    second.save(update_fields=["problems"])
    chinese = text_of(planner_client.get(page(layer, "2/")))
    english = text_of(planner_client.get("/en" + page(layer, "2/")))
    params = {"feature": 3, "field": None, "reason": "Self-intersection"}
    with translation.override("zh-hans"):
        assert render_message("geometry_repaired", params) in chinese
    assert "Feature 3 had an invalid geometry (Self-intersection); it was repaired." in english


def test_the_map_data_colours_added_removed_and_changed_features(planner_client, known_pair):
    layer, _first, _second = known_pair
    response = planner_client.get(page(layer, "2/diff.geojson"))
    assert response.status_code == 200
    data = response.json()
    kinds = sorted((f["properties"]["change"], f["properties"]["key"]) for f in data["features"])
    assert kinds == [("added", "B6"), ("changed", "B2"), ("changed", "B3"), ("removed", "B5")]
    assert all(f["geometry"]["type"] == "Polygon" for f in data["features"])
    assert data["counts"] == {"added": 1, "removed": 1, "changed": 2}


def test_the_map_data_of_a_tiles_only_layer_reaches_planners_only(client, planner, known_pair):
    layer, _first, _second = known_pair
    Layer.objects.filter(pk=layer.pk).update(public_policy=PublicPolicy.TILES_ONLY)
    url = page(layer, "2/diff.geojson")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    official = make_official()
    client.login(request=HttpRequest(), username=official.username, password=PASSWORD)
    assert client.get(url).status_code == 403
    client.login(request=HttpRequest(), username=planner.username, password=PASSWORD)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["official", "resident"])
def test_every_revision_page_and_action_is_403_for_non_planners(client, known_pair, who):
    layer, first, _second = known_pair
    user = make_official() if who == "official" else make_user("resident.user")
    client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    for tail in ("", "2/", "2/diff.geojson", "2/publish/", "1/rollback/"):
        assert client.get(page(layer, tail)).status_code == 403, tail
    assert client.post(page(layer, "2/publish/"), {"expected_current": "1"}).status_code == 403
    assert Layer.objects.get(pk=layer.pk).published_revision == first


def test_anonymous_visitors_are_sent_to_the_staff_login(client, known_pair):
    layer, _first, _second = known_pair
    response = client.get(page(layer, "2/"))
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")


def test_publishing_goes_through_a_confirmation_and_is_audited(planner_client, planner, known_pair):
    layer, _first, second = known_pair
    confirmation = planner_client.get(page(layer, "2/publish/"))
    html = confirmation.content.decode()
    assert 'name="expected_current" value="1"' in html and "csrfmiddlewaretoken" in html
    assert Layer.objects.get(pk=layer.pk).published_revision != second  # GET changes nothing

    baseline = audit_baseline()
    response = planner_client.post(page(layer, "2/publish/"), {"expected_current": "1"})
    assert response.status_code == 302 and response["Location"] == page(layer)
    assert Layer.objects.get(pk=layer.pk).published_revision == second
    event = AuditEvent.objects.get(pk__gt=baseline)
    assert (event.action, event.actor, event.after["revision"]) == ("layer.publish", planner, 2)
    history = text_of(planner_client.get(page(layer)))
    assert gettext("Revision %(number)s is now published.") % {"number": 2} in history


def test_rolling_back_from_the_history(planner_client, known_pair):
    layer, first, second = known_pair
    publish_revision(layer, second)
    confirmation = planner_client.get(page(layer, "1/rollback/"))
    assert 'name="expected_current" value="2"' in confirmation.content.decode()
    baseline = audit_baseline()
    response = planner_client.post(page(layer, "1/rollback/"), {"expected_current": "2"})
    assert response.status_code == 302
    assert Layer.objects.get(pk=layer.pk).published_revision == first
    assert AuditEvent.objects.get(pk__gt=baseline).action == "layer.rollback"


def test_a_form_shown_before_someone_else_published_is_refused_with_409(planner_client, known_pair):
    layer, _first, second = known_pair
    stale_form = planner_client.get(page(layer, "2/publish/"))
    assert 'name="expected_current" value="1"' in stale_form.content.decode()
    # Another planner, meanwhile:
    publish_revision(layer, second, actor=make_planner("zhao.planner"))
    baseline = audit_baseline()
    response = planner_client.post(page(layer, "2/publish/"), {"expected_current": "1"})
    assert response.status_code == 409
    message = gettext("Someone else has published revision %(number)s meanwhile.")
    assert message % {"number": 2} in response.content.decode()
    assert not AuditEvent.objects.filter(pk__gt=baseline).exists()


def test_the_publish_form_needs_the_csrf_token(planner, known_pair):
    layer, first, _second = known_pair
    browser = Client(enforce_csrf_checks=True)
    browser.login(request=HttpRequest(), username=planner.username, password=PASSWORD)
    response = browser.post(page(layer, "2/publish/"), {"expected_current": "1"})
    assert response.status_code == 403
    assert Layer.objects.get(pk=layer.pk).published_revision == first


def test_an_incomplete_form_changes_nothing(planner_client, known_pair):
    layer, first, _second = known_pair
    assert planner_client.post(page(layer, "2/publish/"), {}).status_code == 400
    assert Layer.objects.get(pk=layer.pk).published_revision == first


def test_the_published_revision_is_compared_with_the_one_published_before_it(
    planner_client, planner, known_pair
):
    layer, _first, second = known_pair
    publish_revision(layer, second, actor=planner)
    html = planner_client.get(page(layer, "2/")).content.decode()
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert counts == {"added": "1", "removed": "1", "changed": "2", "unchanged": "2"}
    assert page(layer, "2/diff.geojson?against=1") in html.replace("\\u0026", "&")
    itself = planner_client.get(page(layer, "2/?against=2")).content.decode()
    assert dict(re.findall(r'data-count="(\w+)">(\d+)<', itself))["unchanged"] == "5"
