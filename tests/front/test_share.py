"""Sharing a page: the QR codes and the share page take only a local path of a public page and
carry only what the plan's data confirms; every page a resident shares gives the card WeChat
and other apps show (title, description, an absolute picture that answers as a PNG)."""

import io
import re
from html import unescape
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from consultation.embed import current_consultation
from consultation.models import CommentState
from front.share_card import SIZE, font_file, render_card
from front.share_meta import card_content
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

SITE = "https://gh.example.gov.cn"
SLUG = "yangquanqu-2021-2035"
LIUWAN = "141181101203"
PLAN = f"/plans/{SLUG}/"
MAP = f"/plans/{SLUG}/map/"


def share(client, kind: str, path: str):
    return client.get(reverse(kind) + "?path=" + quote(path, safe=""))


@override_settings(SITE_URL=SITE)
@pytest.mark.parametrize("kind", ["share-qr-svg", "share-qr-png", "share-page"])
def test_a_local_page_is_answered(client, demo_plan, kind):
    response = share(client, kind, f"/plans/{SLUG}/villages/{LIUWAN}/")
    assert response.status_code == 200
    if kind == "share-qr-png":
        assert response["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG" and image.width == image.height
    elif kind == "share-qr-svg":
        assert response["Content-Type"].startswith("image/svg+xml")
        assert response.content.startswith(b"<svg")
        assert b'xmlns="http://www.w3.org/2000/svg"' in response.content  # an <img> shows it


@pytest.mark.parametrize("kind", ["share-qr-svg", "share-qr-png", "share-page"])
@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example/",
        "//evil.example/x",
        "javascript:alert(1)",
        "plans/x/",
        "",
        "/staff/",  # local, but not a page one shares
        "/plans/no-such-plan/",
        "/api/plans/yangquanqu-2021-2035/layers/",
        f"/plans/{SLUG}/villages/12345/",
    ],
)
def test_anything_else_is_refused(client, demo_plan, kind, path):
    assert share(client, kind, path).status_code == 400


def test_an_unpublished_plan_is_refused(client, demo_plan):
    demo_plan.is_published = False
    demo_plan.save()
    assert share(client, "share-qr-png", PLAN).status_code == 400


@override_settings(SITE_URL=SITE)
def test_the_address_keeps_only_what_the_plan_confirms(client, demo_plan):
    asked = (
        f"{MAP}?village=柳湾村&layers=yangquanqu-xzc,evil-layer,yangquanqu-xzq&lat=37.1&lon=111.7"
        "&zoom=15&section=3.3&utm_source=x&extra=点此领奖"
    )
    page = share(client, "share-page", asked).content.decode()
    link = unescape(re.search(r'id="share-page-link"[^>]*value="([^"]+)"', page).group(1))
    assert link == (
        f"{SITE}{MAP}?village=%E6%9F%B3%E6%B9%BE%E6%9D%91&section=3.3"
        "&layers=yangquanqu-xzc%2Cyangquanqu-xzq&lon=111.7&lat=37.1&zoom=15"
    )
    # A name that is not one of the plan's villages never reaches a link or a code.
    foreign = share(client, "share-page", f"{MAP}?village=点此领奖").content.decode()
    link = re.search(r'id="share-page-link"[^>]*value="([^"]+)"', foreign).group(1)
    assert link == SITE + MAP
    plain = share(client, "share-qr-png", MAP).content
    assert share(client, "share-qr-png", f"{MAP}?village=点此领奖").content == plain


def test_the_share_page_works_without_javascript(client, demo_plan):
    response = share(client, "share-page", f"{PLAN}?section=3.3#section-3-3")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page  # the code, drawn inline
    assert "3.3" in page and "镇村体系" in page  # the section's title names what is shared
    png_link = re.search(r'class="share-page-png" href="([^"]+)"', page).group(1)
    assert client.get(unescape(png_link)).status_code == 200
    assert "微信" in page  # how to send it in WeChat
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]


def meta(page: str, key: str) -> str:
    found = re.search(
        rf'<meta (?:property|name|itemprop)="{re.escape(key)}" content="([^"]*)"', page
    )
    assert found, key
    return unescape(found.group(1))


@override_settings(SITE_URL=SITE)
@pytest.mark.parametrize(
    "path, title_has, description_has, card",
    [
        (PLAN, "阳泉曲镇", "征求意见稿", f"/plans/{SLUG}/share.png"),
        (f"{PLAN}?section=3.3", "3.3 镇村体系", "3.3 镇村体系：", f"/plans/{SLUG}/share.png"),
        (
            f"/plans/{SLUG}/villages/{LIUWAN}/",
            "柳湾村",
            "柳湾村",
            f"/plans/{SLUG}/villages/{LIUWAN}/share.png",
        ),
        (MAP, "规划地图", "阳泉曲镇", f"/plans/{SLUG}/share.png"),
        (
            f"{MAP}?village=柳湾村",
            "柳湾村",
            "柳湾村",
            f"/plans/{SLUG}/villages/{LIUWAN}/share.png",
        ),
    ],
)
def test_every_shared_page_gives_its_card(
    client, demo_plan, path, title_has, description_has, card
):
    page = client.get(path).content.decode()
    assert title_has in meta(page, "og:title")
    description = meta(page, "description")
    assert description_has in description and description == meta(page, "og:description")
    assert meta(page, "og:image") == SITE + card == meta(page, "image")
    assert meta(page, "og:url").startswith(SITE + path.split("?")[0])
    assert meta(page, "og:type") == "website" and meta(page, "og:site_name")
    assert meta(page, "twitter:card") == "summary"
    assert meta(page, "name") == meta(page, "og:title")
    # The picture answers as a PNG of the size the tags give.
    response = client.get(card)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (SIZE, SIZE) == (int(meta(page, "og:image:width")),) * 2


def test_the_plan_description_gives_the_stage_and_the_consultation_dates(client, demo_plan):
    page = client.get(PLAN).content.decode()
    description = meta(page, "description")
    assert "阳泉曲镇" in description and "征求意见稿" in description
    assert re.search(r"\d{4}-\d{2}-\d{2}", description)


def test_a_card_is_cached_by_its_content(client, demo_plan):
    url = f"/plans/{SLUG}/villages/{LIUWAN}/share.png"
    first = client.get(url)
    assert first["ETag"] and "max-age" in first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # Another village, another card.
    other = client.get(f"/plans/{SLUG}/villages/141181101200/share.png")
    assert other["ETag"] != first["ETag"]


def test_the_card_draws_the_village_inside_the_township(client, demo_plan):
    image = Image.open(io.BytesIO(client.get(f"/plans/{SLUG}/villages/{LIUWAN}/share.png").content))
    colours = {colour for _count, colour in image.convert("RGB").getcolors(maxcolors=1 << 16)}
    assert (242, 153, 74) in colours  # the village's area, filled
    assert (74, 59, 107) in colours  # the township's outline
    # Written, not blank: dark text pixels in the upper half.
    upper = image.convert("L").crop((0, 70, SIZE, SIZE // 2))
    assert sum(1 for value in upper.tobytes() if value < 100) > 500


def test_an_unknown_village_has_no_card(client, demo_plan):
    assert client.get(f"/plans/{SLUG}/villages/141181999999/share.png").status_code == 404


def test_the_pages_have_share_controls_that_work_without_javascript(client, demo_plan):
    for path in (PLAN, f"/plans/{SLUG}/villages/{LIUWAN}/", MAP):
        page = client.get(path).content.decode()
        links = re.findall(r'class="share-button[^"]*" href="([^"]+)"', page)
        assert links, path
        assert client.get(unescape(links[0])).status_code == 200
    # Every section of the plan page has its own.
    page = client.get(PLAN).content.decode()
    assert page.count('class="share-button section-share"') == page.count('class="section"')


def test_a_published_opinion_can_be_shared(client, demo_plan):
    consultation = current_consultation(demo_plan)
    opinion = make_comment(consultation, state=CommentState.PUBLISHED)
    path = reverse("public-comment", args=[opinion.pk])
    page = client.get(path).content.decode()
    link = unescape(re.search(r'class="share-button[^"]*" href="([^"]+)"', page).group(1))
    assert share(client, "share-page", path).status_code == 200
    assert client.get(link).status_code == 200
    assert 'id="share-panel"' in page


@override_settings(SITE_URL=SITE)
def test_english_pages_and_published_versions_can_be_shared(client, demo_plan):
    english = share(client, "share-page", f"/en/plans/{SLUG}/villages/{LIUWAN}/")
    assert english.status_code == 200
    assert f'value="{SITE}/en/plans/{SLUG}/villages/{LIUWAN}/"' in english.content.decode()
    published = demo_plan.versions.filter(state="published").first()
    assert share(client, "share-qr-png", f"/plans/{SLUG}/v/{published.number}/").status_code == 200
    draft = demo_plan.versions.create(number=published.number + 1, kind="revised")
    assert share(client, "share-qr-png", f"/plans/{SLUG}/v/{draft.number}/").status_code == 400


def test_a_missing_font_is_said_plainly(settings, demo_plan):
    settings.SHARE_CARD_FONT = "/nonexistent/no-such-font.ttc:2"
    font_file.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="SHARE_CARD_FONT"):
            render_card(card_content(demo_plan))
    finally:
        font_file.cache_clear()
