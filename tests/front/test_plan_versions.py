"""The pages of a plan's versions: /plans/<slug>/v/<n>/ (the text of version n with a banner)
and /plans/<slug>/v/<n>/changes/ (what changed, inline), on a plan with two published
versions (tests/version_builders.py)."""

import re

import pytest

from front.version_changes import text_diff
from planportal.models import PhaseKind, PlanPhase, VersionKind
from planportal.roles import StaffRole
from planportal.versions import new_draft, publish_version
from tests.factories import grant, make_planner, make_user
from tests.front.test_plan_pages import visible_text
from tests.version_builders import (
    ADDED_SECTION_TEXT,
    KEPT_SENTENCE,
    NEW_SENTENCE,
    OLD_SENTENCE,
    two_versions,
)

pytestmark = pytest.mark.django_db

DELETED = '<del class="diff-del"><span class="visually-hidden">删除：</span>'
ADDED = '<ins class="diff-ins"><span class="visually-hidden">新增：</span>'


@pytest.fixture
def versions():
    return two_versions()


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def test_each_address_shows_its_versions_text(client, versions):
    slug = versions.plan.slug
    current = visible_text(page(client, f"/plans/{slug}/"))
    first = visible_text(page(client, f"/plans/{slug}/v/1/"))
    second = visible_text(page(client, f"/plans/{slug}/v/2/"))
    assert NEW_SENTENCE in current and OLD_SENTENCE not in current
    assert OLD_SENTENCE in first and NEW_SENTENCE not in first
    assert ADDED_SECTION_TEXT not in first
    assert NEW_SENTENCE in second and ADDED_SECTION_TEXT in second


def test_a_version_page_keeps_the_section_anchors(client, versions):
    html = page(client, f"/plans/{versions.plan.slug}/v/1/")
    assert 'id="section-3-2"' in html
    assert 'href="#section-3-2"' in html


def test_an_older_version_says_it_is_superseded_and_links_the_current_one(client, versions):
    slug = versions.plan.slug
    html = page(client, f"/plans/{slug}/v/1/")
    assert "此版本已被第 2 版取代" in visible_text(html)
    assert f'href="/plans/{slug}/"' in html
    current = page(client, f"/plans/{slug}/v/2/")
    assert "已被" not in visible_text(current)
    assert "第 2 版" in visible_text(current)


def test_the_plan_page_lists_the_versions_with_their_comparisons(client, versions):
    slug = versions.plan.slug
    html = page(client, f"/plans/{slug}/")
    assert f'href="/plans/{slug}/v/1/"' in html
    assert f'href="/plans/{slug}/v/2/"' in html
    assert f'href="/plans/{slug}/v/2/changes/"' in html
    assert f'href="/plans/{slug}/v/1/changes/"' not in html  # nothing before version 1
    assert "与上一版比较" in visible_text(html)
    assert "此版本已被" not in visible_text(html)  # the plan page itself has no banner


def test_a_draft_version_is_not_public_but_its_planner_may_preview_it(client, versions):
    draft = new_draft(versions.plan)
    url = f"/plans/{versions.plan.slug}/v/{draft.number}/"
    page(client, url, 404)
    page(client, f"{url}changes/", 404)
    page(client, f"/plans/{versions.plan.slug}/v/9/", 404)
    outsider = make_user("other.planner", is_staff=True)  # a planner of another township
    grant(outsider, StaffRole.PLANNER, region_code="141181198000")
    client.force_login(outsider)
    page(client, url, 404)
    planner = make_planner()
    client.force_login(planner)
    assert "未公布" in visible_text(page(client, url))


def test_an_unpublished_plans_versions_are_not_public(client, versions):
    type(versions.plan).objects.filter(pk=versions.plan.pk).update(is_published=False)
    page(client, f"/plans/{versions.plan.slug}/v/1/", 404)
    page(client, f"/plans/{versions.plan.slug}/v/2/changes/", 404)


def test_the_approved_version_is_marked_with_its_document_number(client, versions):
    draft = new_draft(versions.plan, kind=VersionKind.APPROVED)
    draft = publish_version(draft)
    PlanPhase.objects.create(
        plan=versions.plan,
        kind=PhaseKind.APPROVAL,
        starts_at=draft.published_at,
        authority="孝义市人民政府",
        document_number="孝政函〔2025〕12号",
        version=draft,
    )
    text = visible_text(page(client, f"/plans/{versions.plan.slug}/v/3/"))
    assert "批准成果" in text and "孝政函〔2025〕12号" in text
    older = visible_text(page(client, f"/plans/{versions.plan.slug}/v/2/"))
    assert "此版本已被第 3 版取代" in older


def test_the_changes_page_shows_the_changed_sentence_inline_and_the_counts(client, versions):
    html = page(client, f"/plans/{versions.plan.slug}/v/2/changes/")
    section = html[html.index('id="section-3-2"') :]
    section = section[: section.index("</section>")]
    # 严守 -> 坚决守住: the deleted and the inserted words inline, each with its hidden label.
    assert re.search(
        r'<del class="diff-del"><span class="visually-hidden">删除：</span>严', section
    )
    assert re.search(
        r'<ins class="diff-ins"><span class="visually-hidden">新增：</span>坚决', section
    )
    assert KEPT_SENTENCE in section
    assert "本节修改 1 处" in visible_text(section)
    text = visible_text(html)
    assert "本章修改 2 处" in text  # the edit in 3.2 and the new section 3.3
    assert ADDED_SECTION_TEXT in text
    assert "新增条文" in text or "新增" in text
    # The unchanged section is folded.
    assert re.search(r'<details class="diff-section diff-unchanged" id="section-3-1">', html)


def test_the_changes_page_compares_indicators_and_layers(client, versions):
    html = page(client, f"/plans/{versions.plan.slug}/v/2/changes/")
    indicators = visible_text(html[html.index('id="indicator-changes"') :])
    assert "耕地保有量" in indicators and "1200" in indicators and "1250" in indicators
    row = html[html.index(f'data-layer="{versions.layer.collection_id}"') :]
    row = row[: row.index("</tr>")]
    assert '<td data-count="added">1</td>' in row
    assert '<td data-count="removed">0</td>' in row
    map_url = re.search(r'href="([^"]+/changes/layers/[^"]+)"', row).group(1)
    map_page = page(client, map_url.replace("&amp;", "&"))
    assert "diff-map-config" in map_page
    geojson = client.get(map_url.replace("/?", "/diff.geojson?"))
    assert geojson.status_code == 200
    assert geojson.json()["counts"] == {"added": 1, "removed": 0, "changed": 0}


def test_against_chooses_the_older_version_and_bad_values_are_refused(client, versions):
    slug = versions.plan.slug
    assert "第 1 版" in visible_text(page(client, f"/plans/{slug}/v/2/changes/?against=1"))
    for bad in ("abc", "2", "7"):
        html = page(client, f"/plans/{slug}/v/2/changes/?against={bad}", 400)
        assert 'role="alert"' in html
    # Version 1 has nothing before it.
    assert "第一个公布的版本" in visible_text(page(client, f"/plans/{slug}/v/1/changes/"))
    # Backwards works too: what version 1 said compared with version 2.
    html = page(client, f"/plans/{slug}/v/1/changes/?against=2")
    assert f"{DELETED}坚决" in html


def test_text_in_the_diff_is_escaped(client):
    versions = two_versions(text_32_v2="<script>alert(1)</script>新的条文。")
    html = page(client, f"/plans/{versions.plan.slug}/v/2/changes/")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_diff_uses_the_stored_texts(versions):
    diff = text_diff(versions.v1, versions.v2)
    assert diff.totals["sections_added"] == 1
    assert diff.totals["sentences_changed"] == 1


def test_the_changes_page_reads_a_constant_number_of_queries(client, django_assert_max_num_queries):
    short = two_versions("short-town-2021-2035")
    long = two_versions("long-town-2021-2035", extra_sections=40)
    for versions in (short, long):  # the layer diffs are cached after the first request
        client.get(f"/plans/{versions.plan.slug}/v/2/changes/")
    with django_assert_max_num_queries(40) as counted:
        page(client, f"/plans/{short.plan.slug}/v/2/changes/")
    with django_assert_max_num_queries(len(counted.captured_queries)):
        page(client, f"/plans/{long.plan.slug}/v/2/changes/")
