"""The API of a plan's versions: /api/plans/<slug>/versions/, .../versions/<n>/ and
.../versions/<n>/diff/?against=<m>, on a plan with two published versions
(tests/version_builders.py)."""

import pytest

from planportal.models import Plan
from planportal.versions import new_draft
from tests.version_builders import (
    ADDED_SECTION_TEXT,
    KEPT_SENTENCE,
    NEW_SENTENCE,
    OLD_SENTENCE,
    two_versions,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    return two_versions()


def api(client, url: str, status: int = 200):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == status, (url, response.content[:300])
    return response.json()


def section_text(data: dict, number: str) -> str:
    for chapter in data["chapters"]:
        for section in chapter["sections"]:
            if section["number"] == number:
                return "".join(block.get("text", "") for block in section["blocks"])
    raise AssertionError(f"no section {number}")


def test_the_list_has_the_published_versions_and_marks_the_current_one(client, versions):
    new_draft(versions.plan)  # a draft is not listed
    slug = versions.plan.slug
    data = api(client, f"/api/plans/{slug}/versions/")
    assert [v["number"] for v in data] == [1, 2]
    assert [v["is_current"] for v in data] == [False, True]
    assert data[0]["state"] == "published" and data[0]["published_at"]
    assert data[1]["kind"] == "revised"
    assert data[0]["page"].endswith(f"/plans/{slug}/v/1/")
    assert data[1]["url"].endswith(f"/api/plans/{slug}/versions/2/")
    assert data[1]["diff"].endswith(f"/api/plans/{slug}/versions/2/diff/")


def test_each_version_has_its_own_text_indicators_and_layers(client, versions):
    slug = versions.plan.slug
    first = api(client, f"/api/plans/{slug}/versions/1/")
    second = api(client, f"/api/plans/{slug}/versions/2/")
    assert section_text(first, "3.2") == OLD_SENTENCE + KEPT_SENTENCE
    assert section_text(second, "3.2") == NEW_SENTENCE + KEPT_SENTENCE
    assert section_text(second, "3.3") == ADDED_SECTION_TEXT
    with pytest.raises(AssertionError):
        section_text(first, "3.3")
    assert first["indicators"][0]["value"] == 1200
    assert second["indicators"][0]["value"] == 1250
    assert [layer["revision"] for layer in first["layers"]] == [1]
    assert [layer["revision"] for layer in second["layers"]] == [2]
    url = first["chapters"][0]["sections"][1]["url"]
    assert url.endswith(f"/plans/{slug}/v/1/#section-3-2")


def test_the_diff_has_the_text_indicator_and_layer_changes(client, versions):
    data = api(client, f"/api/plans/{versions.plan.slug}/versions/2/diff/")
    assert (data["version"], data["against"]) == (2, 1)
    assert data["text"]["totals"]["sections_added"] == 1
    assert data["text"]["totals"]["sentences_changed"] == 1
    sections = data["text"]["chapters"][0]["sections"]
    edited = next(s for s in sections if s["new_number"] == "3.2")
    assert edited["status"] == "changed" and edited["changes"] == 1
    assert data["indicators"] == [
        {
            "name": "耕地保有量",
            "role": "planned",
            "status": "changed",
            "old_value": data["indicators"][0]["old_value"],
            "new_value": data["indicators"][0]["new_value"],
            "old_year": 2035,
            "new_year": 2035,
        }
    ]
    assert "1200" in data["indicators"][0]["old_value"]
    assert "1250" in data["indicators"][0]["new_value"]
    [layer] = data["layers"]
    assert (layer["old_revision"], layer["new_revision"], layer["status"]) == (1, 2, "changed")
    assert (layer["added"], layer["removed"], layer["changed"]) == (1, 0, 0)
    assert layer["area_ha_after"] > layer["area_ha_before"] > 0


def test_against_may_name_another_version_and_version_1_has_none(client, versions):
    slug = versions.plan.slug
    backwards = api(client, f"/api/plans/{slug}/versions/1/diff/?against=2")
    assert backwards["text"]["totals"]["sections_removed"] == 1
    first = api(client, f"/api/plans/{slug}/versions/1/diff/")
    assert first["against"] is None and first["text"] is None


@pytest.mark.parametrize("against", ["abc", "2", "9", "-1"])
def test_a_bad_against_is_refused_in_chinese(client, versions, against):
    data = api(client, f"/api/plans/{versions.plan.slug}/versions/2/diff/?against={against}", 400)
    assert any("\u4e00" <= character <= "\u9fff" for character in data["detail"])


def test_drafts_and_unpublished_plans_are_not_found(client, versions):
    slug = versions.plan.slug
    draft = new_draft(versions.plan)
    api(client, f"/api/plans/{slug}/versions/{draft.number}/", 404)
    api(client, f"/api/plans/{slug}/versions/{draft.number}/diff/", 404)
    api(client, f"/api/plans/{slug}/versions/2/diff/?against={draft.number}", 400)
    Plan.objects.filter(pk=versions.plan.pk).update(is_published=False)
    for url in ("versions/", "versions/1/", "versions/2/diff/"):
        api(client, f"/api/plans/{slug}/{url}", 404)
