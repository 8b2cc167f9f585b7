"""Public pages: the list of plans and the full plan text, in Chinese and in English."""

import re
from html import unescape

import pytest
from django.urls import reverse

from planportal.loader import stored_text
from planportal.models import Plan
from planportal.plan_text import document_units, normalize
from planportal.versions import new_draft, publish_version

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    """The page's text content without tags, for comparing with the plan's text."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_the_home_page_lists_published_plans_in_chinese(client, demo_plan):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "国土空间规划公示与意见征询平台" in page
    assert demo_plan.name in page
    assert f'href="/plans/{demo_plan.slug}/"' in page
    assert "草案" in page


def test_the_home_page_in_english(client, demo_plan):
    response = client.get("/en/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in page
    assert "Territorial spatial plans: public notice and consultation" in page
    assert f'href="/en/plans/{demo_plan.slug}/"' in page
    assert "Draft" in page


def test_an_unpublished_plan_is_neither_listed_nor_shown(client, demo_plan):
    Plan.objects.filter(pk=demo_plan.pk).update(is_published=False)
    assert demo_plan.name not in client.get("/").content.decode()
    assert client.get(f"/plans/{demo_plan.slug}/").status_code == 404
    assert client.get(f"/api/plans/{demo_plan.slug}/").status_code == 404


def test_every_sentence_of_the_draft_is_on_the_plan_page(client, demo_plan):
    page = normalize(visible_text(client.get(f"/plans/{demo_plan.slug}/").content.decode()))
    missing = [u for u in document_units(stored_text(demo_plan)) if normalize(u) not in page]
    assert missing == []


def test_the_plan_page_has_a_stable_link_for_every_section(client, demo_plan):
    page = client.get(f"/plans/{demo_plan.slug}/").content.decode()
    for chapter in demo_plan.chapters.all():
        assert f'id="chapter-{chapter.number}"' in page
        for section in chapter.sections.all():
            anchor = "section-" + section.number.replace(".", "-")
            assert f'<section id="{anchor}"' in page
            assert f'href="#{anchor}"' in page
    assert 'id="section-3-2"' in page


def test_the_plan_page_says_it_is_a_draft_and_how_to_reach_the_town(client, demo_plan):
    page = client.get(f"/plans/{demo_plan.slug}/").content.decode()
    assert "草案，以批准成果为准" in page
    assert 'href="tel:0358-2149993"' in page
    assert 'href="mailto:yqqgkjgh@163.com"' in page
    assert "≥40%" in page and "118.13公顷" in page


def test_the_plan_page_in_english_keeps_the_plan_text_and_links_back(client, demo_plan):
    response = client.get(f"/en/plans/{demo_plan.slug}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Draft: the approved plan prevails." in page
    assert "Contents" in page and "Indicators" in page
    assert "兑镇河为孝河的一级支流" in page
    assert f'href="/plans/{demo_plan.slug}/" hreflang="zh-hans"' in page


def test_the_plan_page_is_printable_and_fits_a_phone(client, demo_plan):
    page = client.get(f"/plans/{demo_plan.slug}/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert 'media="print"' in page


def test_markup_in_plan_text_is_escaped_and_only_bold_marks_render(client, demo_plan):
    # A published version never changes: the markup goes into a new version, published.
    draft = new_draft(demo_plan)
    section = draft.chapters.get(number=1).sections.get(number="1.1")
    section.blocks = [
        {"type": "paragraph", "text": "<script>alert(1)</script> **重点** <b>x</b>"},
        {"type": "list", "marker": "-", "items": ['<img src=x onerror="alert(2)">']},
    ]
    section.save()
    publish_version(draft)
    page = client.get(f"/plans/{demo_plan.slug}/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<strong>重点</strong>" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<img src=x" not in page


def indicator_rows(page: str) -> dict[str, str]:
    """The 规划指标 table's rows as visible text, by indicator name."""
    table = re.search(r'<section id="indicators".*?</table>', page, flags=re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    result = {}
    for row in rows:
        cells = [visible_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        result[cells[0]] = " | ".join(cells[1:])
    return result


def test_the_indicators_say_the_draft_marks_no_kind_and_the_census_is_a_base_year(
    client, demo_plan
):
    page = client.get(reverse("plan-detail", args=[demo_plan.slug])).content.decode()
    rows = indicator_rows(page)
    assert rows["常住人口"] == "1.6万人 | 2020 | 基期值 | 草案未标注 | 1.1"
    assert rows["防洪标准"] == "10年一遇 | 2035 | 规划值 | 草案未标注 | 7.3"
    assert not any("约束性" in row or "预期性" in row for row in rows.values())
    note = visible_text(page.split('id="indicators"')[1].split("</section>")[0])
    assert "编制指南" not in note and "2020年常住人口为基期值" in note


def test_an_unknown_plan_is_not_found(client, db):
    assert client.get(reverse("plan-detail", args=["no-such-plan"])).status_code == 404
