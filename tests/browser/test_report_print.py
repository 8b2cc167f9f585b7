"""The report printed by Chromium, as an official prints it for signing: A4 landscape, the
cover on its own page, "第 x 页，共 y 页" at the foot of every page (CSS margin boxes with page
counters, consultation/report_render.py) and the sign-off on paper. The document printed is
a frozen version's HTML file (the same template body and stylesheet as the live page, with
the stylesheet inlined), so no server is needed: the test client freezes it."""

import io
import re
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from consultation import moderation
from consultation.models import FrozenReport, Result
from tests.factories import make_comment, make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PAGE_FOOTER = re.compile(r"第\s*(\d+)\s*页,共\s*(\d+)\s*页")  # NFKC makes "，" a ","
# Chromium's PDF text layer writes some characters as their look-alike radicals: the Kangxi
# ones (⽰ for 示) come back with NFKC, the supplement's (⻚ for 页, ⻅ for 见) have no mapping.
RADICALS = str.maketrans({"⻚": "页", "⻅": "见"})
A4_LANDSCAPE = (842, 595)  # points


def test_the_printed_report_has_page_numbers_on_every_page(
    browser, official_client, official, demo_plan
):
    consultation = make_consultation(demo_plan, title="打印测试", notice_methods="网站、现场公示栏")
    for number in range(60):  # enough rows for several pages
        comment = make_comment(consultation, body=f"第{number}条意见：" + "建议增设公交站点。" * 12)
        moderation.answer(official, comment, Result.PARTLY_ADOPTED, "部分采纳。" * 10)
    assert (
        official_client.post(f"/consultations/{consultation.pk}/report/freeze/").status_code == 302
    )
    frozen = FrozenReport.objects.get(consultation=consultation)
    html = (Path(settings.MEDIA_ROOT) / frozen.html_file.name).read_text(encoding="utf-8")

    page = browser.new_context().new_page()
    page.set_content(html)
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    page.context.close()

    pages = [unicodedata.normalize("NFKC", p.extract_text()).translate(RADICALS) for p in pdf.pages]
    assert len(pages) >= 3
    box = pdf.pages[0].mediabox
    assert (round(box.width), round(box.height)) == A4_LANDSCAPE
    footers = [PAGE_FOOTER.search(text) for text in pages]
    assert all(footers), [text[-80:] for text, f in zip(pages, footers, strict=True) if not f]
    assert [(int(f[1]), int(f[2])) for f in footers] == [
        (n, len(pages)) for n in range(1, len(pages) + 1)
    ]
    assert "公示方式" in pages[0] and "序号" not in pages[0]  # the cover stands alone
    assert "序号" in pages[2]  # the header row repeats on a later page
    assert "组织编制机关" in pages[-1]
