"""A resident prints or saves what the plan says about their village, on a 360 px phone and
on a desktop: 打印本村规划 on the village page opens the sheet and its PDF downloads; 打印当前地图
on the map opens the sheet of that view; 打印本节 prints one section without any button; and the
browser's own print of the map page is no longer six pages of buttons. Real Chromium against
the live server with the demo plan; the PDFs are read back with pypdf."""

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from tests.browser.test_accessibility import assert_accessible
from tests.conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

LIUWAN = "141181101203"
RADICALS = str.maketrans({"⻚": "页", "⻅": "见"})
BUTTON_WORDS = ("下载 PDF", "返回", "在地图上查看", "提意见", "打印本节", "图层", "测量")


def pdf_pages(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [
        unicodedata.normalize("NFKC", page.extract_text()).translate(RADICALS)
        for page in reader.pages
    ]


@pytest.fixture(params=["phone", "desktop"])
def screen(request, browser):
    if request.param == "phone":
        options = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2}
        options.update({"is_mobile": True, "has_touch": True})
    else:
        options = {"viewport": {"width": 1280, "height": 860}, "has_touch": True}
    context = browser.new_context(accept_downloads=True, **options)
    page = context.new_page()
    page.kind = request.param
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def download_pdf(page) -> bytes:
    with page.expect_download() as info:
        page.locator(".sheet-tools").get_by_role("link", name="下载 PDF").tap()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as stream:
        return stream.read()


def test_print_the_village_sheet_and_download_its_pdf(screen, live_url, demo_plan):
    screen.goto(f"{live_url}/plans/{demo_plan.slug}/villages/{LIUWAN}/")
    link = screen.locator(".village-actions").get_by_role("link", name="打印本村规划")
    assert link.bounding_box()["height"] >= 44
    with screen.expect_navigation():
        link.tap()
    assert screen.url.endswith(f"/villages/{LIUWAN}/print/")
    assert "柳湾村" in screen.get_by_role("heading", level=1).inner_text()
    sheet = screen.locator(".sheet")
    assert sheet.locator(".sheet-map-svg").is_visible()
    assert sheet.locator(".sheet-north").is_visible()
    assert sheet.get_by_text("图例", exact=True).is_visible()
    assert sheet.locator(".sheet-qr svg").is_visible()
    if screen.kind == "phone":
        assert screen.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(screen, f"print-village-sheet-{screen.kind}")
    assert_accessible(screen, f"print-village-sheet-{screen.kind}")
    pages = pdf_pages(download_pdf(screen))
    assert "柳湾村" in pages[0] and "图例" in pages[0] and "示意" in pages[0]
    assert "扫码打开本页" in pages[0]  # all that the sheet must say is on its first page
    assert not any(word in "".join(pages) for word in ("下载 PDF", "返回本村页面"))
    assert screen.console_errors == []


def test_print_the_current_map_view(screen, live_url, demo_plan):
    village = "?village=%E6%9F%B3%E6%B9%BE%E6%9D%91" if screen.kind == "desktop" else ""
    screen.goto(f"{live_url}/plans/{demo_plan.slug}/map/{village}")
    screen.wait_for_selector("#map[data-ready='true']")
    if screen.kind == "phone":  # the tool row has no room: the button is in the layer panel
        screen.get_by_role("button", name="图层", exact=True).tap()
    button = screen.get_by_role("button", name="打印当前地图")
    assert button.is_visible() and button.bounding_box()["height"] >= 44
    save_screenshot(screen, f"print-map-button-{screen.kind}")
    button.tap()
    # Not expect_navigation(): the map writes its view into its own address (replaceState,
    # 400 ms after the view settles), which Playwright counts as a navigation too.
    screen.wait_for_url(re.compile(r"/map/print/\?"))
    assert re.search(r"layers=[^&]*yangquanqu-xzc", screen.url)
    assert screen.get_by_role("heading", level=1).inner_text() == "规划地图"
    legend = screen.locator(".sheet-legend")
    assert legend.get_by_text("行政村/社区（示意）").first.is_visible()
    if village:  # the view of 柳湾村: its name is on the map
        assert screen.locator(".sheet-map-svg .sheet-label", has_text="柳湾村").count() == 1
    assert screen.locator(".sheet-map-svg .sheet-label").count() >= 3
    save_screenshot(screen, f"print-map-sheet-{screen.kind}")
    pages = pdf_pages(download_pdf(screen))
    assert len(pages) == 1
    assert "规划地图" in pages[0] and "比例尺约" in pages[0] and "扫码打开本页" in pages[0]
    assert screen.console_errors == []


def test_print_one_section_of_the_text_without_buttons(screen, live_url, demo_plan):
    screen.goto(f"{live_url}/plans/{demo_plan.slug}/")
    section = screen.locator("#section-3-2")
    link = section.get_by_role("link", name="打印本节（第 3.2 节）")
    link.scroll_into_view_if_needed()
    assert link.inner_text() == "打印本节"
    with screen.expect_navigation():
        link.tap()
    assert screen.get_by_role("heading", level=1).inner_text().startswith("3.2")
    save_screenshot(screen, f"print-section-sheet-{screen.kind}")
    screen.emulate_media(media="print")
    assert not screen.locator(".sheet-tools").is_visible()
    pages = pdf_pages(screen.pdf(prefer_css_page_size=True))
    text = "".join(pages)
    assert len(pages) == 1
    assert "3.2" in text and "控制线" in text and "扫码打开本页" in text
    assert "3.3" not in text  # only that section
    for word in BUTTON_WORDS:
        assert word not in text, word
    assert screen.console_errors == []


def test_the_browsers_print_of_the_map_page_has_no_buttons_and_no_blank_pages(
    browser, live_url, demo_plan
):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(f"{live_url}/plans/{demo_plan.slug}/map/")
    page.wait_for_selector("#map[data-ready='true']")
    page.emulate_media(media="print")
    pages = pdf_pages(page.pdf(format="A4", landscape=True))
    context.close()
    assert len(pages) <= 2
    assert all(text.strip() for text in pages)  # no blank page
    for word in ("查询地图中心", "测量", "打印当前地图"):
        assert word not in "".join(pages), word
