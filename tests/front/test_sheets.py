"""The printable map sheets (front/sheets/): the village sheet (打印本村规划) and the sheet of
the map's current view (打印当前地图), as HTML and as PDF made by WeasyPrint on the server,
read back with pypdf; the parameters checked; a restricted layer drawn only as the cells its
tiles show."""

import io
import re
import unicodedata

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from front.sheets import pdf as sheet_pdf
from front.sheets.frame import Frame, Paper
from layers.models import Feature, Layer
from layers.tiles.sql import generalised_cell_size

pytestmark = pytest.mark.django_db

LIUWAN = "141181101203"  # 柳湾村
A4_PORTRAIT = (595, 842)  # points
A3_LANDSCAPE = (1191, 842)
# Chromium and WeasyPrint write some characters as look-alike radicals: NFKC maps most back.
RADICALS = str.maketrans({"⻚": "页", "⻅": "见"})


def pdf_text(response) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    return reader, unicodedata.normalize("NFKC", text).translate(RADICALS)


def village_url(plan, name="plan-village-print", code=LIUWAN):
    return reverse(name, args=[plan.slug, code])


def test_the_village_sheet_has_title_map_legend_notice_and_qr(client, demo_plan):
    response = client.get(village_url(demo_plan))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"《{demo_plan.name}》" in html and "柳湾村" in html
    assert 'class="sheet-map-svg"' in html and "sheet-north" in html and "sheet-scale" in html
    assert "图例" in html and "比例尺约 1:" in html
    assert "征求意见稿" in html  # the draft notice
    assert "示意" in html
    assert timezone.localdate().strftime("%Y-%m-%d") in html
    assert f"http://127.0.0.1:8000/plans/{demo_plan.slug}/villages/{LIUWAN}/" in html
    assert html.count("<svg") >= 3  # the map, the north arrow, the QR code, swatches
    assert 'data-layer="yangquanqu-xzc"' in html  # the villages are drawn
    assert ">柳湾村</text>" in html  # and named
    # No basemap drawn on the server, so no 审图号 but words saying so.
    assert "审图号" not in html and "未使用底图" in html


def test_the_village_sheet_pdf_is_one_a4_page_with_what_it_says(client, demo_plan):
    response = client.get(village_url(demo_plan, "plan-village-print-pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "%E6%9F%B3%E6%B9%BE%E6%9D%91" in response["Content-Disposition"]  # 柳湾村
    reader, text = pdf_text(response)
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == A4_PORTRAIT
    assert unicodedata.normalize("NFKC", demo_plan.name) in text and "柳湾村" in text
    assert "示意" in text and "征求意见稿" in text
    assert timezone.localdate().strftime("%Y-%m-%d") in text
    assert "扫码打开本页" in text
    assert len(response.content) < 600_000
    # Cached and revalidated by its ETag.
    again = client.get(
        village_url(demo_plan, "plan-village-print-pdf"), HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304


def test_a3_landscape_village_sheet(client, demo_plan):
    response = client.get(
        village_url(demo_plan, "plan-village-print-pdf"), {"paper": "a3", "orient": "landscape"}
    )
    reader, _ = pdf_text(response)
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == A3_LANDSCAPE


@pytest.mark.parametrize(
    "query, words",
    [
        ({"paper": "a5"}, "纸张"),
        ({"orient": "sideways"}, "方向"),
    ],
)
def test_bad_paper_is_refused_in_words(client, demo_plan, query, words):
    response = client.get(village_url(demo_plan), query)
    assert response.status_code == 400
    assert words in response.content.decode()


def test_an_unknown_village_has_no_sheet(client, demo_plan):
    assert client.get(village_url(demo_plan, code="141181999999")).status_code == 404


def map_url(plan, pdf=False):
    return reverse("plan-map-print-pdf" if pdf else "plan-map-print", args=[plan.slug])


LIUWAN_VIEW = {
    "layers": "yangquanqu-czfl,yangquanqu-xzc,yangquanqu-dl",
    "bbox": "111.53,37.03,111.59,37.07",
}


def test_the_map_sheet_of_a_view(client, demo_plan):
    response = client.get(map_url(demo_plan), LIUWAN_VIEW)
    assert response.status_code == 200
    html = response.content.decode()
    for layer in LIUWAN_VIEW["layers"].split(","):
        assert f'data-layer="{layer}"' in html
    assert "村庄分类" in html and "图例" in html
    # The QR code leads back to the map at that view.
    assert f"/plans/{demo_plan.slug}/map/?layer=yangquanqu-czfl&amp;lon=111.56" in html
    pdf = client.get(map_url(demo_plan, pdf=True), LIUWAN_VIEW)
    assert pdf["Content-Type"] == "application/pdf"
    reader, text = pdf_text(pdf)
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (842, 595)  # A4 landscape by default
    assert unicodedata.normalize("NFKC", demo_plan.name) in text and "示意" in text


@pytest.mark.parametrize(
    "query, words",
    [
        ({"layers": "", "bbox": "111.53,37.03,111.59,37.07"}, "至少选择一个图层"),
        ({"layers": "nope", "bbox": "111.53,37.03,111.59,37.07"}, "没有公开图层"),
        ({"layers": "yangquanqu-dl", "bbox": "111.7,37.25"}, "四个数"),
        ({"layers": "yangquanqu-dl", "bbox": "a,b,c,d"}, "四个数"),
        ({"layers": "yangquanqu-dl", "bbox": "111.59,37.03,111.53,37.07"}, "不是有效"),
        ({"layers": "yangquanqu-dl", "bbox": "100,30,120,40"}, "范围过大"),
        ({"layers": "yangquanqu-dl", "bbox": "111.53,37.03,111.59,37.07", "paper": "b4"}, "纸张"),
    ],
)
def test_bad_map_sheet_parameters_are_refused_in_chinese(client, demo_plan, query, words):
    for pdf in (False, True):
        response = client.get(map_url(demo_plan, pdf=pdf), query)
        assert response.status_code == 400
        assert words in response.content.decode()


def test_a_layer_that_is_not_public_cannot_be_printed(client, demo_plan):
    layer = Layer.objects.get(collection_id="yangquanqu-dl")
    Layer.objects.filter(pk=layer.pk).update(source_note="")  # fails the publish gate
    response = client.get(map_url(demo_plan), {**LIUWAN_VIEW, "layers": "yangquanqu-dl"})
    assert response.status_code == 400


def test_a_restricted_layer_is_drawn_as_cells_never_as_parcels(client, demo_plan):
    layer = Layer.objects.get(collection_id="yangquanqu-yjjbnt")
    assert layer.is_generalised
    bbox = "111.47,37.00,111.59,37.12"
    response = client.get(map_url(demo_plan), {"layers": layer.collection_id, "bbox": bbox})
    html = response.content.decode()
    group = re.search(r'<g data-layer="yangquanqu-yjjbnt">(.*?)</g>', html, re.S)[1]
    paths = re.findall(r' d="([^"]+)"', group)
    assert len(paths) == 1  # one union of cells, no feature of its own
    # Every vertex lies on the grid of the generalised tiles: no parcel corner survives.
    frame = Frame.around(
        tuple(map(float, bbox.split(","))), *Paper("a4", "landscape").map_size(share=0.62)
    )
    cell = generalised_cell_size(frame.generalised_zoom)
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", paths[0])]
    assert len(numbers) > 20
    for x_mm, y_mm in zip(numbers[::2], numbers[1::2], strict=True):
        for value in (
            frame.xmin + x_mm * frame.units_per_mm,
            frame.ymax - y_mm * frame.units_per_mm,
        ):
            off = abs(value / cell - round(value / cell))
            assert off < 0.15, (x_mm, y_mm)
    parcels = Feature.objects.filter(revision=layer.published_revision).exclude(name="")
    for name in parcels.values_list("name", flat=True)[:20]:
        assert name not in html
    assert "DLBM" not in html
    # The legend says it is generalised and lists none of its categories.
    assert "概略范围" in html
    for entry in layer.legend:
        assert entry["label"] not in html


def test_pdfs_render_a_few_at_a_time_and_a_request_that_waits_too_long_is_told_so(
    client, demo_plan, monkeypatch
):
    monkeypatch.setattr(sheet_pdf, "RENDER_WAIT_SECONDS", 0.05)
    cache.clear()
    held = [sheet_pdf._renders.acquire(timeout=1) for _ in range(sheet_pdf.RENDERS_AT_ONCE)]
    try:
        assert all(held)  # every render slot taken, as by long renders in other threads
        response = client.get(village_url(demo_plan, "plan-village-print-pdf"))
        assert response.status_code == 503
        assert response["Retry-After"] == "30" and "请一分钟后再试" in response.content.decode()
    finally:
        for _ in held:
            sheet_pdf._renders.release()
    assert client.get(village_url(demo_plan, "plan-village-print-pdf")).status_code == 200


def test_a_layer_is_not_drawn_below_its_min_zoom_as_its_tiles_are_not_served(client, demo_plan):
    Layer.objects.filter(collection_id="yangquanqu-dl").update(min_zoom=16)
    view = {"layers": "yangquanqu-dl,yangquanqu-xzc", "bbox": "111.47,37.00,111.59,37.12"}
    html = client.get(map_url(demo_plan), view).content.decode()
    assert 'data-layer="yangquanqu-dl"' not in html and 'data-layer="yangquanqu-xzc"' in html
    assert re.search(r"以下图层需放大后显示：\s*道路（示意）", html)
    zoomed = {**view, "bbox": "111.560,37.045,111.563,37.047"}  # about 260 m across
    html = client.get(map_url(demo_plan), zoomed).content.decode()
    assert 'data-layer="yangquanqu-dl"' in html


def test_rendering_a_pdf_leaves_truncated_images_refused():
    """WeasyPrint switches Pillow's LOAD_TRUNCATED_IMAGES on at import; a damaged 图集 sheet
    (or photo) uploaded after a PDF was rendered in the same process must still be refused."""
    from PIL import Image

    from front.sheets.pdf import html_to_pdf
    from tests.planportal import figure_files

    assert html_to_pdf("<p>柳湾村</p>").startswith(b"%PDF")
    truncated = Image.open(io.BytesIO(figure_files.png()[:120]))
    with pytest.raises(OSError):
        truncated.load()
