"""The revisions API: the history (published revisions for everyone, all for planners), the diff
as JSON with integer counts, and publish for planners only (token or session with CSRF, 409 on
a conflict); all of it in the OpenAPI schema."""

from django.http import HttpRequest
from django.test import Client
from django.utils.translation import gettext

from layers.models import Layer, PublicPolicy
from layers.revisions.publishing import publish_revision
from planportal.models import AuditEvent
from tests.factories import PASSWORD, audit_baseline, token_header
from tests.layers.revisions.revision_helpers import (
    KNOWN_AREA_AFTER,
    KNOWN_AREA_BEFORE,
    KNOWN_COUNTS,
)


def revisions_url(layer, tail: str = "") -> str:
    return f"/api/layers/{layer.collection_id}/revisions/{tail}"


def test_the_diff_of_a_known_pair_has_integer_counts_and_hectares(client, planner, known_pair):
    layer, _first, _second = known_pair
    response = client.get(revisions_url(layer, "2/diff/"), **token_header(planner))
    assert response.status_code == 200, response.content
    diff = response.json()
    assert {name: diff[name] for name in KNOWN_COUNTS} == KNOWN_COUNTS
    assert all(type(diff[name]) is int for name in KNOWN_COUNTS)
    assert diff["area_ha_before"] == KNOWN_AREA_BEFORE
    assert diff["area_ha_after"] == KNOWN_AREA_AFTER
    assert (diff["revision"], diff["against"], diff["key_field"]) == (2, 1, "BSM")
    changes = {change["key"]: change for change in diff["changes"]}
    assert set(changes) == {"B2", "B3"}
    assert changes["B2"]["attributes"]["DLMC"] == {"before": "水田", "after": "旱地"}
    assert changes["B3"]["geometry_changed"] and not changes["B2"]["geometry_changed"]
    assert diff["changes_truncated"] is False
    assert "coordinates" not in response.content.decode()


def test_a_diff_may_be_taken_against_another_revision(client, planner, known_pair):
    layer, _first, _second = known_pair
    diff = client.get(revisions_url(layer, "1/diff/?against=2"), **token_header(planner)).json()
    assert (diff["revision"], diff["against"]) == (1, 2)
    assert (diff["added"], diff["removed"], diff["changed"]) == (1, 1, 2)
    assert client.get(revisions_url(layer, "1/diff/?against=x")).status_code == 400


def test_the_public_sees_published_revisions_and_their_diffs_but_no_drafts(client, known_pair):
    layer, _first, _second = known_pair
    listing = client.get(revisions_url(layer)).json()
    assert listing["published"] == 1
    assert [r["number"] for r in listing["revisions"]] == [1]
    [row] = listing["revisions"]
    assert row["is_published"] and row["was_published"] and row["published_at"]
    assert "source_name" not in row and "created_by" not in row
    assert client.get(revisions_url(layer, "2/diff/")).status_code == 404
    diff = client.get(revisions_url(layer, "1/diff/")).json()
    assert diff["unchanged"] == 5 and diff["added"] == 0


def test_a_revision_once_published_stays_listed_after_a_rollback(client, planner, known_pair):
    layer, first, second = known_pair
    publish_revision(layer, second, actor=planner)
    publish_revision(layer, first, actor=planner)
    listing = client.get(revisions_url(layer)).json()
    assert listing["published"] == 1
    rows = {r["number"]: r for r in listing["revisions"]}
    assert set(rows) == {1, 2}
    assert rows[1]["is_published"] and not rows[2]["is_published"] and rows[2]["was_published"]
    diff = client.get(revisions_url(layer, "2/diff/")).json()
    assert (diff["revision"], diff["against"], diff["added"]) == (2, 1, 1)


def test_planners_see_every_revision_with_its_source_and_author(client, planner, known_pair):
    layer, _first, _second = known_pair
    listing = client.get(revisions_url(layer), **token_header(planner)).json()
    rows = {r["number"]: r for r in listing["revisions"]}
    assert set(rows) == {1, 2}
    assert rows[2]["source_name"] == "parcels-v2.zip" and rows[2]["source_crs"] == "EPSG:4546"
    assert rows[2]["created_by"] == planner.username and rows[2]["status"] == "ready"
    assert not rows[2]["was_published"] and rows[2]["feature_count"] == 5
    assert isinstance(rows[2]["problem_count"], int)
    west, south, east, north = rows[2]["extent"]
    assert 111.5 < west < east < 111.6 and 37.0 < south < north < 37.1


def test_unpublished_and_hidden_layers_are_404_for_the_public(client, demo_plan, known_pair):
    layer, _first, _second = known_pair
    Layer.objects.filter(pk=layer.pk).update(published_revision=None)
    assert client.get(revisions_url(layer)).status_code == 404
    assert client.get("/api/layers/no-such-layer/revisions/").status_code == 404


def test_a_tiles_only_layers_diff_holds_no_coordinates(client, known_pair):
    layer, _first, _second = known_pair
    Layer.objects.filter(pk=layer.pk).update(public_policy=PublicPolicy.TILES_ONLY)
    response = client.get(revisions_url(layer, "1/diff/"))
    assert response.status_code == 200
    assert "coordinates" not in response.content.decode()


def test_a_planner_publishes_with_a_token_and_the_step_is_audited(client, planner, known_pair):
    layer, _first, second = known_pair
    baseline = audit_baseline()
    response = client.post(
        revisions_url(layer, "2/publish/"),
        {"expected_current": 1},
        content_type="application/json",
        **token_header(planner),
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "collection": layer.collection_id,
        "published": 2,
        "previous": 1,
        "action": "layer.publish",
        "changed": True,
    }
    assert Layer.objects.get(pk=layer.pk).published_revision == second
    event = AuditEvent.objects.get(pk__gt=baseline, action="layer.publish")
    assert event.actor == planner and (event.before["revision"], event.after["revision"]) == (1, 2)


def test_a_stale_expected_current_is_a_409_that_names_the_winner(client, planner, known_pair):
    layer, first, second = known_pair
    publish_revision(layer, second, actor=planner)
    baseline = audit_baseline()
    response = client.post(
        revisions_url(layer, "1/publish/"),
        {"expected_current": 1},
        content_type="application/json",
        **token_header(planner),
    )
    assert response.status_code == 409
    message = gettext("Someone else has published revision %(number)s meanwhile.")
    assert response.json() == {"detail": message % {"number": 2}, "current": 2}
    assert Layer.objects.get(pk=layer.pk).published_revision == second
    assert not AuditEvent.objects.filter(pk__gt=baseline).exists()


def test_only_planners_may_publish(client, official, known_pair):
    layer, first, _second = known_pair
    url = revisions_url(layer, "2/publish/")
    anonymous = client.post(url, {}, content_type="application/json")
    assert anonymous.status_code in (401, 403)
    refused = client.post(url, {}, content_type="application/json", **token_header(official))
    assert refused.status_code == 403
    assert Layer.objects.get(pk=layer.pk).published_revision == first


def test_officials_see_only_what_the_public_sees(client, official, known_pair):
    layer, _first, _second = known_pair
    listing = client.get(revisions_url(layer), **token_header(official)).json()
    assert [r["number"] for r in listing["revisions"]] == [1]
    assert client.get(revisions_url(layer, "2/diff/"), **token_header(official)).status_code == 404


def test_publishing_with_the_session_needs_the_csrf_token(planner, known_pair):
    layer, first, second = known_pair
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(request=HttpRequest(), username=planner.username, password=PASSWORD)
    url = revisions_url(layer, "2/publish/")
    refused = browser.post(url, {"expected_current": 1}, content_type="application/json")
    assert refused.status_code == 403
    assert Layer.objects.get(pk=layer.pk).published_revision == first

    browser.get(f"/staff/layers/{layer.collection_id}/revisions/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        url, {"expected_current": 1}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200
    assert Layer.objects.get(pk=layer.pk).published_revision == second


def test_a_revision_that_is_not_there_is_404(client, planner, known_pair):
    layer, _first, _second = known_pair
    response = client.post(
        revisions_url(layer, "9/publish/"),
        {},
        content_type="application/json",
        **token_header(planner),
    )
    assert response.status_code == 404


def test_the_schema_describes_history_diff_and_publish(client, db):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    listing = paths["/api/layers/{collection_id}/revisions/"]["get"]
    diff = paths["/api/layers/{collection_id}/revisions/{number}/diff/"]["get"]
    publish = paths["/api/layers/{collection_id}/revisions/{number}/publish/"]["post"]
    assert listing["operationId"] == "layer_revisions"
    diff_schema = diff["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][diff_schema.rsplit("/", 1)[1]]["properties"]
    for name in ("added", "removed", "changed", "unchanged"):
        assert fields[name]["type"] == "integer"
    assert fields["area_ha_before"]["type"] == "number"
    assert {"200", "403", "409"} <= set(publish["responses"])
    assert {"tokenAuth", "cookieAuth"} <= {name for item in publish["security"] for name in item}
