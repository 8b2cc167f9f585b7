"""The plan text on paper, one section or one chapter (打印本节 / 打印本章), and the village's A3
poster for the 公示栏 with the consultation's dates and the ways to give an opinion: as HTML
and as PDF read back with pypdf; parameters checked."""

import io
import unicodedata

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from consultation.models import Consultation
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db

LIUWAN = "141181101203"
A3_PORTRAIT = (842, 1191)


def text_url(plan, pdf=False):
    return reverse("plan-text-print-pdf" if pdf else "plan-text-print", args=[plan.slug])


def pdf_text(response) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    return reader, unicodedata.normalize("NFKC", text)


def test_one_section_printed_alone_with_title_version_date_source_and_qr(client, demo_plan):
    response = client.get(text_url(demo_plan), {"section": "3.2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "3.2 控制线划定" in html and f"《{demo_plan.name}》" in html
    assert "3.3" not in html.split('class="sheet-section"')[1].split("</article>")[0]
    assert demo_plan.current_version.title in html
    assert "本页摘自规划文本" in html and "征求意见稿" in html
    assert f"/plans/{demo_plan.slug}/#section-3-2" in html
    assert "comment-open" not in html and "section-map-link" not in html
    pdf = client.get(text_url(demo_plan, pdf=True), {"section": "3.2"})
    assert pdf["Content-Type"] == "application/pdf"
    _, text = pdf_text(pdf)
    assert "控制线划定" in text and timezone.localdate().strftime("%Y-%m-%d") in text
    assert "扫码打开本页" in text and "下载 PDF" not in text


def test_one_chapter_printed_with_all_its_sections(client, demo_plan):
    chapter = demo_plan.current_version.chapters.get(number=3)
    response = client.get(text_url(demo_plan), {"chapter": "3"})
    html = response.content.decode()
    assert chapter.title in html
    for section in chapter.sections.all():
        assert f"{section.number} {section.title}" in html
    assert "第 1 页" not in html  # page numbers belong to paper: the PDF
    _, text = pdf_text(client.get(text_url(demo_plan, pdf=True), {"chapter": "3"}))
    assert "第 1 页" in text.replace("第1页", "第 1 页")


@pytest.mark.parametrize(
    "query, status, words",
    [
        ({}, 400, "请指定一节"),
        ({"section": "3.2", "chapter": "3"}, 400, "请指定一节"),
        ({"chapter": "three"}, 400, "chapter=3"),
        ({"section": "99.9"}, 404, ""),
        ({"chapter": "99"}, 404, ""),
        ({"section": "3.2", "paper": "letter"}, 400, "纸张"),
    ],
)
def test_bad_text_requests(client, demo_plan, query, status, words):
    response = client.get(text_url(demo_plan), query)
    assert response.status_code == status
    assert words in response.content.decode()


def test_the_poster_gives_dates_channels_classification_qr_and_a_map(client, demo_plan):
    Consultation.objects.filter(plan=demo_plan).delete()
    consultation = make_consultation(
        demo_plan, title="阳泉曲镇规划草案公示", contact="来信请寄：阳泉曲镇人民政府规划办"
    )
    url = reverse("plan-village-poster", args=[demo_plan.slug, LIUWAN])
    html = client.get(url).content.decode()
    assert "柳湾村" in html and "村庄分类" in html and "草案未列明（示意）" in html
    assert consultation.period_text in html
    assert timezone.localtime(consultation.opens_at).strftime("%Y-%m-%d") in html
    assert "来信请寄：阳泉曲镇人民政府规划办" in html
    if demo_plan.contact_phone:
        assert demo_plan.contact_phone in html
    assert f"/plans/{demo_plan.slug}/villages/{LIUWAN}/" in html
    assert 'class="sheet-map-svg"' in html and html.count('class="sheet-qr"') == 1
    pdf = client.get(reverse("plan-village-poster-pdf", args=[demo_plan.slug, LIUWAN]))
    reader, text = pdf_text(pdf)
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == A3_PORTRAIT
    assert len(reader.pages) == 1
    assert "柳湾村" in text and "如何提意见" in text and "阳泉曲镇规划草案公示" in text


def test_the_poster_without_a_consultation_says_so(client, demo_plan):
    Consultation.objects.filter(plan=demo_plan).delete()
    html = client.get(reverse("plan-village-poster", args=[demo_plan.slug, LIUWAN])).content
    assert "尚未公布意见征询时间" in html.decode()
