"""The publish gate (layers/revisions/gate.py): a layer reaches the public only with a section,
a data status, a source and a publication note; its settings change in one audited step; a
restricted layer's coordinates need a confirmation; a planner withdraws a layer and publishes
it again; new layers start tiles-only or generalised by their code. Services, pages and API."""

import pytest
from django.test import Client

from layers.ingest.pipeline import Target, ingest_file
from layers.models import Layer, PublicPolicy
from layers.revisions.gate import SettingsRefused, update_settings
from layers.revisions.publishing import (
    MissingSettings,
    PublishConflict,
    ever_published,
    publish_revision,
    withdraw,
)
from layers.tiles.lookup import forget_tile_sources
from planportal.models import AuditEvent, Section
from tests.factories import audit_baseline, make_layer, square, token_header
from tests.layers.ingest.samples import parcels, zipped_shapefile
from tests.layers.revisions.revision_helpers import five_parcels, revision_from

MISSING_ALL = "该图层尚缺规划章节、数据状态（示意/正式）、来源、发布说明，不能发布。"


def events(after: int, action: str | None = None):
    found = AuditEvent.objects.filter(pk__gt=after).order_by("pk")
    return found.filter(action=action) if action else found


@pytest.fixture
def bare(demo_plan, tmp_path):
    """A parcels layer with a ready revision and none of the gate's settings."""
    layer = make_layer(
        demo_plan,
        "gate-bare",
        section=None,
        data_status="",
        source_note="",
        publication_note="",
        key_field="BSM",
    )
    return layer, revision_from(layer, five_parcels(), tmp_path)


def complete(layer: Layer, actor=None) -> None:
    section = Section.objects.get(chapter__plan=layer.plan, number="3.2")
    update_settings(
        layer,
        actor,
        {
            "section": section,
            "data_status": "official",
            "source_note": "县自然资源局",
            "publication_note": "经镇人民政府同意发布",
        },
    )


# --- the service ---------------------------------------------------------------------------


def test_publishing_a_layer_without_its_settings_is_refused_naming_all_of_them(bare, planner):
    layer, revision = bare
    baseline = audit_baseline()
    with pytest.raises(MissingSettings) as refused:
        publish_revision(layer, revision, actor=planner)
    assert str(refused.value) == MISSING_ALL
    assert refused.value.missing == ["section", "data_status", "source_note", "publication_note"]
    assert Layer.objects.get(pk=layer.pk).published_revision is None
    assert not events(baseline).exists()


def test_only_what_is_missing_is_named(bare, planner):
    layer, revision = bare
    update_settings(layer, planner, {"data_status": "schematic", "source_note": "测绘院"})
    with pytest.raises(MissingSettings) as refused:
        publish_revision(layer, revision, actor=planner)
    assert str(refused.value) == "该图层尚缺规划章节、发布说明，不能发布。"


def test_with_its_settings_the_layer_is_published(bare, planner):
    layer, revision = bare
    complete(layer, planner)
    assert publish_revision(layer, revision, actor=planner).changed
    assert Layer.objects.public().filter(pk=layer.pk).exists()


def test_a_published_layer_without_its_settings_is_not_public(client, demo_plan):
    """A layer published before the gate existed stays hidden until a planner completes it."""
    layer = make_layer(demo_plan, "gate-legacy", shapes=[square(111.53, 37.07, 0.001)])
    assert Layer.objects.public().filter(pk=layer.pk).exists()
    Layer.objects.filter(pk=layer.pk).update(publication_note="")
    forget_tile_sources()
    assert not Layer.objects.public().filter(pk=layer.pk).exists()
    assert client.get(f"/tiles/{layer.collection_id}.json").status_code == 404
    assert client.get(f"/ogc/collections/{layer.collection_id}").status_code == 404
    listed = client.get(f"/api/plans/{demo_plan.slug}/layers/").json()
    assert layer.collection_id not in {item["collection_id"] for item in listed}


def test_a_settings_change_is_one_audit_event_with_before_and_after(bare, planner):
    layer, _revision = bare
    baseline = audit_baseline()
    complete(layer, planner)
    [event] = events(baseline)
    assert (event.action, event.actor, event.object_id) == (
        "layer.settings",
        planner,
        str(layer.pk),
    )
    assert event.before == {
        "section": None,
        "data_status": "",
        "source_note": "",
        "publication_note": "",
    }
    assert event.after == {
        "section": "3.2",
        "data_status": "official",
        "source_note": "县自然资源局",
        "publication_note": "经镇人民政府同意发布",
    }
    stored = Layer.objects.get(pk=layer.pk)
    assert stored.chapter.number == 3  # the section's chapter comes with it
    # The same values again change nothing and record nothing.
    again = audit_baseline()
    complete(layer, planner)
    assert not events(again).exists()


def test_a_published_layer_cannot_lose_a_setting_the_gate_asks_for(known_pair, planner):
    layer, _first, _second = known_pair
    baseline = audit_baseline()
    with pytest.raises(SettingsRefused) as refused:
        update_settings(layer, planner, {"publication_note": "  ", "title": "新名称"})
    assert set(refused.value.errors) == {"publication_note"}
    assert "撤回发布" in refused.value.errors["publication_note"]
    stored = Layer.objects.get(pk=layer.pk)
    assert stored.publication_note and stored.title != "新名称"
    assert not events(baseline).exists()


def test_a_layer_published_before_the_gate_can_be_completed_one_setting_at_a_time(
    demo_plan, planner
):
    layer = make_layer(demo_plan, "gate-legacy-steps", shapes=[square(111.53, 37.07, 0.001)])
    Layer.objects.filter(pk=layer.pk).update(publication_note="", source_note="")
    layer.refresh_from_db()
    update_settings(layer, planner, {"source_note": "县自然资源局"})  # the note still lacks
    update_settings(layer, planner, {"publication_note": "经审定"})
    assert Layer.objects.public().filter(pk=layer.pk).exists()


def test_features_for_a_restricted_layer_need_a_confirmation(demo_plan, planner):
    layer = make_layer(demo_plan, "gate-restricted", code="YJJBNT", policy="generalised")
    with pytest.raises(SettingsRefused) as refused:
        update_settings(layer, planner, {"public_policy": PublicPolicy.FEATURES})
    assert "须经确认" in refused.value.errors["public_policy"]
    assert Layer.objects.get(pk=layer.pk).public_policy == "generalised"

    outcome = update_settings(
        layer, planner, {"public_policy": "features"}, confirm_restricted_features=True
    )
    assert outcome.event.before == {"public_policy": "generalised"}
    assert outcome.event.after == {"public_policy": "features"}


def test_features_for_an_ordinary_layer_need_no_confirmation(demo_plan, planner):
    layer = make_layer(demo_plan, "gate-ordinary", code="DL", policy="tiles-only")
    update_settings(layer, planner, {"public_policy": "features"})
    assert Layer.objects.get(pk=layer.pk).public_policy == "features"


def test_withdrawing_keeps_the_revisions_and_the_layer_can_be_published_again(known_pair, planner):
    layer, first, second = known_pair
    baseline = audit_baseline()
    outcome = withdraw(layer, actor=planner, expected_current=1)
    assert outcome.changed and outcome.previous == first
    stored = Layer.objects.get(pk=layer.pk)
    assert stored.published_revision is None and stored.revisions.count() == 2
    assert not Layer.objects.public().filter(pk=layer.pk).exists()
    [event] = events(baseline)
    assert (event.action, event.actor, event.before["revision"], event.after["revision"]) == (
        "layer.unpublish",
        planner,
        1,
        None,
    )
    with pytest.raises(PublishConflict):
        withdraw(layer, actor=planner, expected_current=1)
    assert not withdraw(layer, actor=planner).changed  # nothing published: nothing recorded
    publish_revision(layer, second, actor=planner, expected_current=None)
    assert Layer.objects.public().filter(pk=layer.pk).exists()
    assert set(ever_published(layer)) == {1, 2}


@pytest.mark.parametrize(
    "collection_id, title, code, policy",
    [
        ("gate-new-yjjbnt", "", "", PublicPolicy.GENERALISED),
        ("gate-new-a", "城关永久基本农田", "", PublicPolicy.GENERALISED),
        ("gate-new-c", "生态红线", "STBHHX", PublicPolicy.GENERALISED),
        ("gate-new-b", "规划用地", "", PublicPolicy.TILES_ONLY),
        ("gate-new-d", "道路", "DL", PublicPolicy.TILES_ONLY),
    ],
)
def test_a_new_layer_from_an_upload_starts_with_the_policy_its_code_calls_for(
    demo_plan, tmp_path, collection_id, title, code, policy
):
    archive = zipped_shapefile(parcels(2), tmp_path)
    result = ingest_file(archive, Target(demo_plan, collection_id, title=title, code=code))
    assert result.created and result.layer.public_policy == policy
    assert result.layer.published_revision is None


# --- the pages -----------------------------------------------------------------------------


def settings_page(layer) -> str:
    return f"/staff/layers/{layer.collection_id}/settings/"


def test_the_layer_list_and_the_revision_pages_link_to_the_settings(planner_client, bare):
    layer, _revision = bare
    for url in ("/staff/layers/", f"/staff/layers/{layer.collection_id}/revisions/"):
        assert settings_page(layer) in planner_client.get(url).content.decode()
    listed = planner_client.get("/staff/layers/").content.decode()
    row = listed[listed.index(f'data-collection="{layer.collection_id}"') :]
    assert "设置未补全，不公开" in row[: row.index("</tr>")]


def test_the_settings_page_says_what_is_missing_and_saves_with_an_audit_event(
    planner_client, planner, bare
):
    layer, _revision = bare
    html = planner_client.get(settings_page(layer)).content.decode()
    assert MISSING_ALL in html
    section = Section.objects.get(chapter__plan=layer.plan, number="3.2")
    baseline = audit_baseline()
    response = planner_client.post(
        settings_page(layer),
        {
            "title": "基本农田（测试）",
            "section": section.pk,
            "data_status": "schematic",
            "source_note": "测绘院",
            "publication_note": "经审定",
            "public_policy": "tiles-only",
        },
    )
    assert response.status_code == 302
    stored = Layer.objects.get(pk=layer.pk)
    assert (stored.title, stored.section, stored.data_status) == (
        "基本农田（测试）",
        section,
        "schematic",
    )
    [event] = events(baseline)
    assert event.action == "layer.settings" and event.actor == planner
    assert MISSING_ALL not in planner_client.get(settings_page(layer)).content.decode()


def test_the_settings_page_refuses_features_for_a_restricted_layer_without_confirmation(
    planner_client, demo_plan
):
    layer = make_layer(demo_plan, "gate-page-yjjbnt", code="YJJBNT", policy="generalised")
    form = {
        "title": layer.title,
        "section": layer.section_id,
        "data_status": "schematic",
        "source_note": layer.source_note,
        "publication_note": layer.publication_note,
        "public_policy": "features",
    }
    refused = planner_client.post(settings_page(layer), form)
    assert refused.status_code == 400 and "须经确认" in refused.content.decode()
    assert Layer.objects.get(pk=layer.pk).public_policy == "generalised"
    confirmed = planner_client.post(
        settings_page(layer), {**form, "confirm_restricted_features": "on"}
    )
    assert confirmed.status_code == 302
    assert Layer.objects.get(pk=layer.pk).public_policy == "features"


def test_the_publish_page_refuses_a_layer_without_its_settings(planner_client, bare):
    layer, revision = bare
    url = f"/staff/layers/{layer.collection_id}/revisions/{revision.number}/publish/"
    shown = planner_client.get(url).content.decode()
    assert MISSING_ALL in shown and settings_page(layer) in shown
    assert 'name="expected_current"' not in shown  # no publish button
    refused = planner_client.post(url, {"expected_current": ""})
    assert refused.status_code == 400 and MISSING_ALL in refused.content.decode()
    assert Layer.objects.get(pk=layer.pk).published_revision is None


def test_the_unpublish_page_withdraws_after_a_confirmation(planner_client, planner, known_pair):
    layer, _first, _second = known_pair
    url = f"/staff/layers/{layer.collection_id}/unpublish/"
    assert "第 1 版" in planner_client.get(url).content.decode()
    baseline = audit_baseline()
    assert planner_client.post(url, {"expected_current": "1"}).status_code == 302
    assert Layer.objects.get(pk=layer.pk).published_revision is None
    assert [e.action for e in events(baseline)] == ["layer.unpublish"]
    assert planner_client.post(url, {}).status_code == 400


def test_the_settings_pages_are_for_planners_only(client, official_client, bare):
    layer, _revision = bare
    for url in (settings_page(layer), f"/staff/layers/{layer.collection_id}/unpublish/"):
        assert client.get(url).status_code == 302  # to the staff login
        assert official_client.get(url).status_code == 403


# --- the API -------------------------------------------------------------------------------


def api(layer, tail: str = "") -> str:
    return f"/api/layers/{layer.collection_id}/{tail}"


def test_the_api_shows_the_settings_and_what_is_missing_to_planners_only(
    client, planner, official, bare
):
    layer, _revision = bare
    assert client.get(api(layer)).status_code == 401
    assert client.get(api(layer), **token_header(official)).status_code == 403
    body = client.get(api(layer), **token_header(planner)).json()
    assert body["missing"] == ["section", "data_status", "source_note", "publication_note"]
    assert body["missing_message"] == MISSING_ALL
    assert (body["published"], body["is_public"], body["public_policy"]) == (
        None,
        False,
        "features",  # make_layer's
    )


def test_patch_changes_the_settings_with_an_audit_event(client, planner, bare):
    layer, _revision = bare
    baseline = audit_baseline()
    response = client.patch(
        api(layer),
        {
            "section": "3.2",
            "data_status": "示意",
            "source_note": "测绘院",
            "publication_note": "经审定",
        },
        content_type="application/json",
        **token_header(planner),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["section"], body["data_status"], body["missing"]) == ("3.2", "schematic", [])
    [event] = events(baseline)
    assert event.action == "layer.settings" and event.actor == planner
    assert event.after["section"] == "3.2"


def test_patch_refuses_an_unknown_section_and_unconfirmed_features(client, planner, demo_plan):
    layer = make_layer(demo_plan, "gate-api-stbhhx", code="STBHHX", policy="generalised")
    baseline = audit_baseline()
    headers = {"content_type": "application/json", **token_header(planner)}
    unknown = client.patch(api(layer), {"section": "9.9"}, **headers)
    assert unknown.status_code == 400 and "section" in unknown.json()
    features = client.patch(api(layer), {"public_policy": "features"}, **headers)
    assert features.status_code == 400 and "须经确认" in features.json()["public_policy"][0]
    assert not events(baseline).exists()
    confirmed = client.patch(
        api(layer), {"public_policy": "features", "confirm_restricted_features": True}, **headers
    )
    assert confirmed.status_code == 200 and confirmed.json()["public_policy"] == "features"


def test_the_publish_api_refuses_a_layer_without_its_settings(client, planner, bare):
    layer, revision = bare
    response = client.post(
        api(layer, f"revisions/{revision.number}/publish/"),
        {},
        content_type="application/json",
        **token_header(planner),
    )
    assert response.status_code == 400
    assert response.json()["detail"] == MISSING_ALL
    assert response.json()["missing"] == [
        "section",
        "data_status",
        "source_note",
        "publication_note",
    ]


def test_the_unpublish_api_withdraws_and_answers_409_on_a_stale_revision(
    client, planner, known_pair
):
    layer, _first, _second = known_pair
    headers = {"content_type": "application/json", **token_header(planner)}
    stale = client.post(api(layer, "unpublish/"), {"expected_current": 2}, **headers)
    assert stale.status_code == 409 and stale.json()["current"] == 1
    done = client.post(api(layer, "unpublish/"), {"expected_current": 1}, **headers)
    assert done.status_code == 200
    assert done.json() == {"collection": layer.collection_id, "previous": 1, "changed": True}
    assert client.get(api(layer), **token_header(planner)).json()["published"] is None
    assert (
        Client().post(api(layer, "unpublish/"), {}, content_type="application/json").status_code
        == 401
    )


def test_the_schema_describes_the_settings_and_unpublish_operations(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    settings = paths["/api/layers/{collection_id}/"]
    assert settings["get"]["operationId"] == "layer_settings"
    assert settings["patch"]["operationId"] == "layer_settings_update"
    assert {"400", "401", "403", "404"} <= set(settings["patch"]["responses"])
    unpublish = paths["/api/layers/{collection_id}/unpublish/"]["post"]
    assert unpublish["operationId"] == "layer_unpublish"
    assert "409" in unpublish["responses"]
