"""The village page (/plans/<slug>/villages/<code>/): every village and 社区 of the demo plan
has one, with its classification as the data gives it, the sentences of the text that name
it (linked to their sections), the plan's layers there, its published opinions and 提意见."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from consultation.models import CommentState, Consultation
from front.village import names_village, plan_villages
from layers.models import Feature, Layer
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

LIUWAN = "141181101203"  # 柳湾村 (fixtures/yangquanqu/layers/xzc.geojson)


def page(client, plan, code: str):
    return client.get(reverse("plan-village", args=[plan.slug, code]))


def text_of(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def demo_village_codes() -> set[str]:
    layer = Layer.objects.get(collection_id="yangquanqu-xzc")
    return {
        feature.properties["XZQDM"]
        for feature in Feature.objects.filter(revision=layer.published_revision)
    }


def test_every_village_of_the_demo_has_a_page(client, demo_plan):
    codes = demo_village_codes()
    assert len(codes) == 31
    assert {village.code for village in plan_villages(demo_plan)} == codes
    for code in codes:
        response = page(client, demo_plan, code)
        assert response.status_code == 200, code


def test_the_page_gives_the_classification_as_the_data_says_with_its_mark(client, demo_plan):
    text = text_of(page(client, demo_plan, LIUWAN))
    assert "柳湾村" in text and "行政村" in text
    assert "村庄分类" in text
    assert "草案未列明（示意）" in text  # as fixtures/yangquanqu/layers/czfl.geojson says
    assert "演示数据" in text
    # A village the draft places inside the town development boundary says so.
    assert "城镇开发边界内村庄" in text_of(page(client, demo_plan, "141181101200"))
    # 镇村体系 records 阳泉曲村 as the seat.
    assert "镇政府驻地" in text_of(page(client, demo_plan, "141181101200"))


def test_a_sentence_naming_the_village_links_to_its_section(client, demo_plan):
    response = page(client, demo_plan, LIUWAN)
    html = response.content.decode()
    # 7.1 lists the bus stops: "……柳湾村1站……".
    assert "柳湾村1站" in html
    assert f'href="/plans/{demo_plan.slug}/#section-7-1"' in html
    # 柳湾煤矿 and 柳湾变电站 do not name 柳湾村: only sentences that do are quoted.
    quotes = re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", html, flags=re.S)
    assert quotes and all("柳湾村" in unescape(quote) for quote in quotes)
    assert not any("变电站" in quote for quote in quotes)


def test_a_short_name_names_a_village_only_when_it_stands_alone():
    assert names_village("发源于阳泉曲镇克俄、西河底两村附近", "克俄村")
    assert names_village("发源于阳泉曲镇克俄、西河底两村附近", "西河底村")
    assert not names_village("柳湾煤矿1站", "柳湾村")
    assert not names_village("阳泉曲镇", "阳泉曲村")


def test_the_layers_at_the_village_are_plain_sentences(client, demo_plan):
    text = text_of(page(client, demo_plan, LIUWAN))
    # The point report's sentences at the village (nearest facilities, roads nearby).
    assert "最近的" in text
    # No database codes on the page.
    assert "141181030000000005" not in text and "2101010100" not in text


def test_an_unknown_or_malformed_code_is_404(client, demo_plan):
    assert page(client, demo_plan, "141181101999").status_code == 404
    assert page(client, demo_plan, "12345").status_code == 404
    assert page(client, demo_plan, "<script>").status_code == 404
    assert client.get(f"/plans/no-such-plan/villages/{LIUWAN}/").status_code == 404


def test_comment_button_aims_the_form_at_the_village(client, demo_plan):
    response = page(client, demo_plan, LIUWAN)
    consultation = Consultation.objects.get(plan=demo_plan)
    assert consultation.is_open
    match = re.search(r'class="button village-comment" href="([^"]+)"', response.content.decode())
    assert match
    url = unescape(match.group(1))
    assert url.startswith(reverse("consultation-comment", args=[consultation.pk]))
    form = client.get(url)
    assert form.status_code == 200
    assert "柳湾村" in text_of(form)


def test_published_opinions_about_the_village_are_shown_escaped(client, demo_plan):
    consultation = Consultation.objects.get(plan=demo_plan)
    Consultation.objects.filter(pk=consultation.pk).update(show_published_comments=True)
    body = "<script>alert(1)</script>柳湾村口需要路灯"
    make_comment(consultation, body=body, villages=["柳湾村"], state=CommentState.PUBLISHED)
    make_comment(
        consultation, body="马庄村的意见", villages=["马庄村"], state=CommentState.PUBLISHED
    )
    make_comment(consultation, body="未发布的意见", villages=["柳湾村"])
    html = page(client, demo_plan, LIUWAN).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;柳湾村口需要路灯" in html
    assert "<script>alert(1)" not in html
    assert "马庄村的意见" not in html and "未发布的意见" not in html


def test_the_small_map_holds_only_the_village(client, demo_plan):
    html = page(client, demo_plan, LIUWAN).content.decode()
    config = json.loads(
        re.search(r'id="village-map-config"[^>]*>(.*?)</script>', html, flags=re.S).group(1)
    )
    kinds = [shape["properties"]["kind"] for shape in config["shapes"]["features"]]
    assert kinds == ["area", "point"]


def test_the_plan_page_lists_its_villages(client, demo_plan):
    html = client.get(reverse("plan-detail", args=[demo_plan.slug])).content.decode()
    assert f'href="/plans/{demo_plan.slug}/villages/{LIUWAN}/"' in html
