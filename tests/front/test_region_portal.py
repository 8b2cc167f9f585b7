"""The county portal: the home page lists plans by region (county → 乡镇) with their status,
open consultations and deadlines; a region without a plan says so, on the home page and on a
page of its own (/regions/<code>/)."""

import re
from html import unescape

from django.contrib.gis.geos import MultiPolygon

from consultation.models import Consultation
from front.outline import sketch
from planportal.models import Plan, PlanStatus
from tests.factories import make_consultation, make_plan, square


def text_of(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def township_item(response, name: str) -> str:
    """The text of the home page's list item of one township."""
    html = response.content.decode()
    items = re.findall(
        r'<li class="region-item[^"]*">(.*?)</li>\s*(?=<li class="region-item|</ul>\s*</section>)',
        html,
        flags=re.S,
    )
    for item in items:
        if f">{name}</a></h3>" in item:
            return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", item)))
    raise AssertionError(f"no township {name} on the page")


def test_the_home_page_is_the_county_portal(client, demo_plan):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<a href="/regions/141181000000/">孝义市</a>' in page
    # Every 乡镇 of the county: those with a plan first, then the others in code order.
    names = re.findall(r'<h3 class="region-name"><a href="/regions/\d{12}/">([^<]+)</a>', page)
    assert names[:3] == ["阳泉曲镇", "新义街道", "中阳楼街道"]
    assert len(names) == 16 and names[-1] == "杜村乡"


def test_a_township_with_a_plan_shows_it_with_status_and_open_consultation(client, demo_plan):
    consultation = Consultation.objects.filter(plan=demo_plan).earliest("opens_at")
    item = township_item(client.get("/"), "阳泉曲镇")
    assert demo_plan.name in item
    assert "草案" in item
    assert "正在征求意见" in item
    assert consultation.period_text in item
    assert "尚未发布规划" not in item


def test_a_township_without_a_plan_says_no_plan_is_published_yet(client, demo_plan):
    response = client.get("/")
    assert "尚未发布规划" in township_item(response, "下堡镇")
    assert 'href="/regions/141181102000/"' in response.content.decode()


def test_statuses_and_a_closed_consultation(client, demo_plan):
    Plan.objects.filter(pk=demo_plan.pk).update(status=PlanStatus.PUBLIC_NOTICE)
    plan = make_plan("xiabao-2021-2035", region_code="141181102000", region_name="下堡镇")
    plan.status = PlanStatus.APPROVED
    plan.save()
    make_consultation(plan, opens_days_ago=60)  # closed: not listed as open
    response = client.get("/")
    assert "公示中" in township_item(response, "阳泉曲镇")
    xiabao = township_item(response, "下堡镇")
    assert "已批准" in xiabao and plan.name in xiabao
    assert "正在征求意见" not in xiabao and "尚未发布规划" not in xiabao


def test_a_plan_under_a_township_the_table_lacks_is_listed_under_its_county(client, first_plan):
    # make_plan's 141181199000 is not one of the 16 township codes; its county is known.
    response = client.get("/")
    page = response.content.decode()
    county = page.index('<a href="/regions/141181000000/">孝义市</a>')
    first_township = page.index('<li class="region-item')
    assert county < page.index(first_plan.name) < first_township


def test_the_home_page_in_english_keeps_the_region_names(client, demo_plan):
    page = text_of(client.get("/en/"))
    assert "No plan published yet" in page and "阳泉曲镇" in page and "Draft" in page


def test_a_township_page_without_a_plan(client, demo_plan):
    response = client.get("/regions/141181102000/")
    assert response.status_code == 200
    page = text_of(response)
    assert "下堡镇" in page
    assert "尚未发布规划" in page
    assert "孝义市" in page and "区划代码 141181102000" in page
    assert 'href="/regions/141181000000/"' in response.content.decode()


def test_a_township_page_with_its_plan_and_villages(client, demo_plan):
    response = client.get("/regions/141181101000/")
    page = text_of(response)
    html = response.content.decode()
    assert demo_plan.name in page and "尚未发布规划" not in page
    assert 'href="/regions/141181101200/"' in html and "阳泉曲村" in page
    assert f'href="/plans/{demo_plan.slug}/"' in html


def test_a_village_page_names_the_plan_that_covers_it_and_leads_to_its_map(client, demo_plan):
    response = client.get("/regions/141181101200/")
    page = text_of(response)
    assert "阳泉曲村委会" in page
    assert "覆盖本区划的规划" in page and demo_plan.name in page
    assert f"在《{demo_plan.name}》的规划图上查看" in page
    village = "%E9%98%B3%E6%B3%89%E6%9B%B2%E6%9D%91"  # 阳泉曲村, the village layer's name
    assert f'href="/plans/{demo_plan.slug}/map/?village={village}"' in response.content.decode()


def test_the_county_page_lists_its_townships(client, demo_plan):
    response = client.get("/regions/141181000000/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="region-item') == 16
    assert "山西省" in text_of(response)


def test_an_unpublished_plan_leaves_its_township_without_a_plan(client, demo_plan):
    Plan.objects.filter(pk=demo_plan.pk).update(is_published=False)
    assert "尚未发布规划" in township_item(client.get("/"), "阳泉曲镇")
    page = text_of(client.get("/regions/141181101000/"))
    assert demo_plan.name not in page and "尚未发布规划" in page


def test_an_unknown_region_is_not_found(client, db):
    assert client.get("/regions/141181999000/").status_code == 404
    assert client.get("/regions/abc/").status_code == 404


def test_the_county_outline_is_sketched_on_the_home_page_and_its_page(client, demo_plan):
    for url in ("/", "/regions/141181000000/"):
        page = client.get(url).content.decode()
        assert "孝义市行政区域轮廓示意（非法定界线）" in page
        path = re.search(r'<path d="(M[^"]+Z)"/>', page).group(1)
        assert path.count("L") > 20  # the simplified 天地图 outline, not a box
    # A township has no outline in the public data: no sketch.
    assert "轮廓示意" not in client.get("/regions/141181102000/").content.decode()


def test_a_sketch_keeps_the_shape_north_up_and_scaled_by_latitude():
    outline = MultiPolygon(square(112.0, 60.0, 1.0))
    drawn = sketch(outline, tolerance=0)
    # At 60.5° a degree of longitude is cos(60.5°) ≈ 0.49 of a degree of latitude.
    assert drawn.view_box == "0 0 240 487"
    assert drawn.path.startswith("M0.0,487.4L") and drawn.path.endswith("Z")
