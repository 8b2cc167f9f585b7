"""Two published plans side by side (tests/factories.py: make_plan and make_second_plan), each
with its own layers, villages, consultation, published opinion and receipt: every public
endpoint shows one plan's things and nothing of the other's. (The staff endpoints, with rights
per plan, are tested where those rights are.)"""

import json
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from consultation.models import Comment, CommentState, Consultation, Reply, Result
from layers.models import Layer
from layers.tiles.lookup import forget_tile_sources
from planportal.models import Plan
from tests.factories import (
    EAST,
    SECOND_SOUTH,
    SECOND_WEST,
    SOUTH,
    WEST,
    make_comment,
    make_consultation,
    make_layer,
    square,
)
from tests.layers.tiles.tile_helpers import tile_of

SIZE = EAST - WEST


@dataclass
class PlanWorld:
    """One plan and what it holds, each named with the plan's own word (甲 or 乙)."""

    plan: Plan
    word: str
    centre: tuple[float, float]
    zones: Layer
    villages: Layer
    consultation: Consultation
    comment: Comment

    @property
    def markers(self) -> list[str]:
        """Strings that belong to this plan only."""
        return [
            self.plan.slug,
            self.plan.name,
            self.zones.collection_id,
            self.villages.collection_id,
            f"{self.word}地块",
            f"{self.word}村",
            self.consultation.title,
            self.comment.body,
        ]


def build(plan: Plan, word: str, west: float, south: float, official) -> PlanWorld:
    centre = (west + SIZE / 2, south + SIZE / 2)
    zones = make_layer(
        plan,
        f"{plan.slug}-zones",
        name_field="MC",
        title=f"{word}规划分区",
        shapes=[(square(west + 0.02, south + 0.02, SIZE - 0.04), f"{word}地块")],
    )
    villages = make_layer(
        plan,
        f"{plan.slug}-villages",
        code="XZC",
        name_field="XZQMC",
        title=f"{word}村庄",
        shapes=[
            {
                "geom": Point(*centre, srid=4326),
                "name": f"{word}村",
                "properties": {"XZQMC": f"{word}村", "XZQDM": plan.region_code[:9] + "201"},
            }
        ],
    )
    consultation = make_consultation(plan, title=f"{word}规划草案征求意见")
    comment = make_comment(
        consultation,
        body=f"{word}意见：建议保留村口古树。",
        state=CommentState.PUBLISHED,
        published_at=timezone.now(),
    )
    Reply.objects.create(
        comment=comment,
        result=Result.ADOPTED,
        reason=f"{word}答复：已纳入规划。",
        is_published=True,
        answered_by=official,
    )
    return PlanWorld(plan, word, centre, zones, villages, consultation, comment)


@pytest.fixture
def worlds(first_plan, second_plan, official) -> tuple[PlanWorld, PlanWorld]:
    forget_tile_sources()
    first = build(first_plan, "甲", WEST, SOUTH, official)
    second = build(second_plan, "乙", SECOND_WEST, SECOND_SOUTH, official)
    yield first, second
    forget_tile_sources()


def both_ways(worlds):
    first, second = worlds
    return [(first, second), (second, first)]


def assert_only(text: str, own: PlanWorld, other: PlanWorld, *, own_markers=None) -> None:
    for marker in own_markers if own_markers is not None else [own.plan.slug]:
        assert marker in text, f"{marker} missing"
    for marker in other.markers:
        assert marker not in text, f"{marker} of {other.plan.slug} leaked"


def test_the_plan_page_shows_its_own_plan_only(client, worlds):
    for own, other in both_ways(worlds):
        page = client.get(f"/plans/{own.plan.slug}/").content.decode()
        assert_only(page, own, other, own_markers=[own.plan.name, own.consultation.title])


def test_the_map_config_points_at_its_own_plan_only(client, worlds):
    for own, other in both_ways(worlds):
        page = client.get(f"/plans/{own.plan.slug}/map/").content.decode()
        config = re.search(
            r'<script id="map-config" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
        data = json.loads(config)
        assert data["plan"]["slug"] == own.plan.slug
        assert data["village_layer"] == own.villages.collection_id
        assert data["comments"]["consultation"] == own.consultation.pk
        west, south, east, north = data["extent"]
        assert west <= own.centre[0] <= east and south <= own.centre[1] <= north
        assert_only(json.dumps(data, ensure_ascii=False), own, other)


def test_the_layer_catalogue_lists_its_own_layers_only(client, worlds):
    for own, other in both_ways(worlds):
        catalogue = client.get(f"/api/plans/{own.plan.slug}/layers/").json()
        ids = {layer["collection_id"] for layer in catalogue}
        assert ids == {own.zones.collection_id, own.villages.collection_id}
        assert_only(json.dumps(catalogue, ensure_ascii=False), own, other)


def test_the_point_report_answers_from_its_own_layers_only(client, worlds):
    for own, other in both_ways(worlds):
        url = f"/api/plans/{own.plan.slug}/report/"
        here = client.get(url, {"lon": own.centre[0], "lat": own.centre[1]}).json()
        assert {e["collection_id"] for e in here["elements"]} == {own.zones.collection_id}
        assert f"{own.word}地块" in json.dumps(here, ensure_ascii=False)
        # Asked at the other plan's centre, it finds nothing of the other plan there.
        there = client.get(url, {"lon": other.centre[0], "lat": other.centre[1]}).json()
        assert there["elements"] == []
        assert_only(json.dumps(there, ensure_ascii=False), own, other, own_markers=[])


def test_ogc_items_of_a_collection_are_its_plans_only(client, worlds):
    for own, other in both_ways(worlds):
        for layer in (own.zones, own.villages):
            items = client.get(f"/ogc/collections/{layer.collection_id}/items").json()
            assert items["numberMatched"] == 1
            assert_only(json.dumps(items, ensure_ascii=False), own, other, own_markers=[])
            # A bounding box over the other plan's area holds nothing of this collection.
            west, south = other.centre[0] - 0.05, other.centre[1] - 0.05
            bbox = f"{west},{south},{west + 0.1},{south + 0.1}"
            boxed = client.get(f"/ogc/collections/{layer.collection_id}/items", {"bbox": bbox})
            assert boxed.json()["features"] == []


def test_a_collection_document_names_its_own_plan(client, worlds):
    for own, other in both_ways(worlds):
        document = client.get(f"/ogc/collections/{own.zones.collection_id}").json()
        assert_only(json.dumps(document, ensure_ascii=False), own, other, own_markers=[])


def test_tiles_of_a_layer_hold_its_plans_features_only(client, worlds):
    z = 12
    for own, other in both_ways(worlds):
        x, y = tile_of(*own.centre, z)
        assert client.get(f"/tiles/{own.zones.collection_id}/{z}/{x}/{y}.mvt").status_code == 200
        x, y = tile_of(*other.centre, z)
        assert client.get(f"/tiles/{own.zones.collection_id}/{z}/{x}/{y}.mvt").status_code == 204


def test_the_consultations_api_of_a_plan_lists_its_own_only(client, worlds):
    for own, other in both_ways(worlds):
        listed = client.get("/api/consultations/", {"plan": own.plan.slug}).json()
        assert [c["id"] for c in listed] == [own.consultation.pk]
        assert_only(json.dumps(listed, ensure_ascii=False), own, other, own_markers=[])


def test_published_opinions_are_their_consultations_only(client, worlds):
    for own, other in both_ways(worlds):
        url = f"/api/consultations/{own.consultation.pk}/comments/published/"
        published = client.get(url).json()
        assert [f["id"] for f in published["features"]] == [own.comment.pk]
        text = json.dumps(published, ensure_ascii=False)
        assert own.comment.body in text and f"{own.word}答复" in text
        assert_only(text, own, other, own_markers=[])


def test_a_receipt_shows_its_own_consultation_only(client, worlds):
    for own, other in both_ways(worlds):
        receipt = client.get(f"/api/receipts/{own.comment.receipt_code}/").json()
        assert receipt["consultation"]["id"] == own.consultation.pk
        text = json.dumps(receipt, ensure_ascii=False)
        assert own.consultation.title in text
        assert_only(text, own, other, own_markers=[])
        page = client.get(f"/receipts/{own.comment.receipt_code}/").content.decode()
        assert own.consultation.title in page
        assert_only(page, own, other, own_markers=[])


def test_the_search_leads_each_village_to_its_own_plan(client, worlds):
    for own, other in both_ways(worlds):
        hits = client.get("/api/search/", {"q": f"{own.word}村"}).json()["hits"]
        assert len(hits) == 1
        assert hits[0]["plan"]["slug"] == own.plan.slug
        village = quote(f"{own.word}村")
        assert hits[0]["map"].endswith(f"/plans/{own.plan.slug}/map/?village={village}")
        assert (hits[0]["lon"], hits[0]["lat"]) == own.centre


def test_the_home_page_lists_both_plans_with_their_own_consultations(client, worlds):
    page = client.get("/").content.decode()
    for own, other in both_ways(worlds):
        card = re.search(
            rf'<li class="plan-card">\s*<h3><a href="/plans/{own.plan.slug}/">.*?</li>', page, re.S
        ).group(0)
        assert own.consultation.title in card
        assert other.consultation.title not in card
