"""A single-layer upload that touches the control lines is checked against the other layers'
published revisions, and its publication waits for the acknowledgement on the page, in the
API and in ``import_layer``."""

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import CommandError, call_command
from django.urls import reverse

from layers.models import Layer
from tests.factories import add_revision, make_layer, make_plan, token_header
from tests.layers.packages.package_helpers import (
    CZKFBJ_BOX,
    OVERLAP_HA,
    YJJBNT_BOXES,
    frame,
    write_geopackage,
)


def in_degrees(box) -> GEOSGeometry:
    west, south, east, north = box
    polygon = GEOSGeometry(
        f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))",
        srid=4546,
    )
    return polygon.transform(4326, clone=True)


@pytest.fixture
def scene(db):
    """A plan with a published 城镇开发边界 and a new, unpublished 永久基本农田 revision that
    overlaps it by 2 ha."""
    plan = make_plan()
    make_layer(plan, "test-czkfbj", code="CZKFBJ", shapes=[in_degrees(CZKFBJ_BOX)])
    yjjbnt = make_layer(plan, "test-yjjbnt", code="YJJBNT")
    revision = add_revision(yjjbnt, [in_degrees(YJJBNT_BOXES["YJ001"])])
    return plan, yjjbnt, revision


def test_the_revision_page_reports_the_overlap_and_publishing_waits_for_acknowledgement(
    planner_client, scene
):
    _plan, layer, revision = scene
    page = planner_client.get(reverse("layer-revision", args=[layer.collection_id, 1]))
    html = page.content.decode()
    assert 'id="crosscheck"' in html and 'id="crosscheck-map"' in html
    assert "CZKFBJ" in html
    publish = reverse("layer-revision-publish", args=[layer.collection_id, 1])
    confirm = planner_client.get(publish).content.decode()
    assert 'name="acknowledge_overlaps"' in confirm
    refused = planner_client.post(publish, {"expected_current": ""})
    assert refused.status_code == 400
    layer.refresh_from_db()
    assert layer.published_revision is None
    planner_client.post(publish, {"expected_current": "", "acknowledge_overlaps": "1"})
    layer.refresh_from_db()
    assert layer.published_revision == revision


def test_the_api_answers_the_report_until_the_overlaps_are_acknowledged(client, planner, scene):
    _plan, layer, revision = scene
    url = reverse("api-layer-revision-publish", args=[layer.collection_id, 1])
    refused = client.post(url, {}, content_type="application/json", **token_header(planner))
    assert refused.status_code == 400
    [overlap] = refused.json()["crosscheck"]["overlaps"]
    assert overlap["hectares"] == pytest.approx(OVERLAP_HA, abs=0.001)
    layer.refresh_from_db()
    assert layer.published_revision is None
    done = client.post(
        url,
        {"acknowledge_overlaps": True},
        content_type="application/json",
        **token_header(planner),
    )
    assert done.status_code == 200
    layer.refresh_from_db()
    assert layer.published_revision == revision


def test_import_layer_refuses_to_publish_an_overlap_without_acknowledgement(
    scene, planner, tmp_path, capsys
):
    plan, layer, _revision = scene
    path = write_geopackage(tmp_path / "yjjbnt.gpkg", {"YJJBNT": frame(YJJBNT_BOXES)})
    arguments = ["import_layer", plan.slug, layer.collection_id, str(path), "--publish"]
    with pytest.raises(CommandError, match="acknowledge-overlaps"):
        call_command(*arguments, "--actor", planner.username)
    assert "CZKFBJ" in capsys.readouterr().out
    assert Layer.objects.get(pk=layer.pk).published_revision is None
    assert layer.revisions.count() == 1  # the refused import left nothing behind
    call_command(*arguments, "--acknowledge-overlaps", "--actor", planner.username)
    assert Layer.objects.get(pk=layer.pk).published_revision.number == 2
