"""Freezing the report for submission (报批): officials only, by POST with the CSRF token; the
XLSX and the HTML are stored under MEDIA_ROOT with their SHA-256, recorded in the audit trail,
listed with download links, and a later answer changes the live report but never a frozen
file."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from openpyxl import load_workbook

from consultation import moderation
from consultation.models import FrozenReport, Result
from planportal.models import AuditEvent
from tests.factories import make_comment, make_consultation, make_planner

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(demo_plan):
    return make_consultation(demo_plan, title="阳泉曲镇总体规划草案公示")


@pytest.fixture
def opinion(consultation, official):
    comment = make_comment(consultation, body="建议增设公交站。")
    moderation.answer(official, comment, Result.NOT_ADOPTED, "站点间距已满足要求。")
    return comment


def freeze_url(consultation) -> str:
    return f"/consultations/{consultation.pk}/report/freeze/"


def download(client, consultation, number: int, kind: str):
    return client.get(f"/consultations/{consultation.pk}/report/frozen/{number}.{kind}")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def reasons_in(xlsx: bytes) -> list:
    sheet = load_workbook(io.BytesIO(xlsx))["意见汇总表"]
    return [row[7] for row in sheet.iter_rows(min_row=2, max_row=2, values_only=True)]


def test_freezing_stores_the_files_and_records_their_hash(
    official_client, official, consultation, opinion
):
    response = official_client.post(freeze_url(consultation))
    assert response.status_code == 302
    frozen = FrozenReport.objects.get(consultation=consultation)
    assert (frozen.number, frozen.created_by) == (1, official)
    stored = Path(settings.MEDIA_ROOT) / frozen.file.name
    assert stored.is_file() and frozen.file.name.startswith("frozen-reports/")
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == frozen.sha256
    html = (Path(settings.MEDIA_ROOT) / frozen.html_file.name).read_bytes()
    assert hashlib.sha256(html).hexdigest() == frozen.html_sha256
    assert "报批版本第 1 版" in html.decode() and "站点间距已满足要求。" in html.decode()
    assert "<link" not in html.decode()  # self-contained: the stylesheet is inlined
    assert frozen.counts["opinions"] == 1 and frozen.counts["by_result"]["rejected"] == 1
    event = AuditEvent.objects.get(action="report.freeze", object_id=str(frozen.pk))
    assert event.actor == official
    assert event.after["sha256"] == frozen.sha256
    assert event.after["html_sha256"] == frozen.html_sha256
    assert event.after["consultation"] == consultation.pk


def test_a_later_answer_changes_the_live_report_but_not_the_frozen_file(
    official_client, official, consultation, opinion
):
    official_client.post(freeze_url(consultation))
    frozen = FrozenReport.objects.get(consultation=consultation)
    first = download(official_client, consultation, 1, "xlsx")
    assert first.status_code == 200
    before = body(first)
    assert hashlib.sha256(before).hexdigest() == frozen.sha256
    assert reasons_in(before) == ["站点间距已满足要求。"]

    moderation.answer(official, opinion, Result.ADOPTED, "已在修改稿中增设站点。")

    live = official_client.get(f"/consultations/{consultation.pk}/report.xlsx").content
    assert reasons_in(live) == ["已在修改稿中增设站点。"]
    after = body(download(official_client, consultation, 1, "xlsx"))
    assert after == before and hashlib.sha256(after).hexdigest() == frozen.sha256
    frozen.refresh_from_db()
    assert hashlib.sha256(after).hexdigest() == frozen.sha256
    html = body(download(official_client, consultation, 1, "html")).decode()
    assert "站点间距已满足要求。" in html and "已在修改稿中增设站点。" not in html

    official_client.post(freeze_url(consultation))
    second = FrozenReport.objects.get(consultation=consultation, number=2)
    assert second.sha256 != frozen.sha256
    assert reasons_in(body(download(official_client, consultation, 2, "xlsx"))) == [
        "已在修改稿中增设站点。"
    ]


def test_the_report_page_lists_frozen_versions_with_hash_and_links(
    official_client, consultation, opinion
):
    page = official_client.get(f"/consultations/{consultation.pk}/report/").content.decode()
    assert "冻结报批版本" in page and 'name="csrfmiddlewaretoken"' in page
    official_client.post(freeze_url(consultation))
    frozen = FrozenReport.objects.get(consultation=consultation)
    page = official_client.get(f"/consultations/{consultation.pk}/report/").content.decode()
    assert frozen.sha256 in page and frozen.html_sha256 in page
    assert f"/consultations/{consultation.pk}/report/frozen/1.xlsx" in page
    assert f"/consultations/{consultation.pk}/report/frozen/1.html" in page


def test_the_page_says_when_opinions_changed_after_the_latest_freeze(
    official_client, official, consultation, opinion
):
    report_url = f"/consultations/{consultation.pk}/report/"
    official_client.post(freeze_url(consultation))
    page = official_client.get(report_url).content.decode()
    assert "第 1 版冻结后，意见的处理没有变化。" in page
    moderation.answer(official, opinion, Result.ADOPTED, "已增设站点。")
    page = official_client.get(report_url).content.decode()
    assert "第 1 版冻结后，意见又有 1 项处理记录" in page
    official_client.post(freeze_url(consultation))
    page = official_client.get(report_url).content.decode()
    assert "第 2 版冻结后，意见的处理没有变化。" in page


def test_a_frozen_file_that_was_changed_is_not_handed_out(official_client, consultation, opinion):
    official_client.post(freeze_url(consultation))
    frozen = FrozenReport.objects.get(consultation=consultation)
    (Path(settings.MEDIA_ROOT) / frozen.file.name).write_bytes(b"tampered")
    assert download(official_client, consultation, 1, "xlsx").status_code == 409


def test_the_database_refuses_to_change_a_frozen_row(official_client, consultation, opinion):
    official_client.post(freeze_url(consultation))
    frozen = FrozenReport.objects.get(consultation=consultation)
    with pytest.raises(Exception, match="cannot be changed"), transaction.atomic():
        FrozenReport.objects.filter(pk=frozen.pk).update(sha256="0" * 64)
    with pytest.raises(Exception, match="cannot be changed"), transaction.atomic():
        FrozenReport.objects.filter(pk=frozen.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        FrozenReport.objects.create(
            consultation=consultation,
            number=1,
            created_by=frozen.created_by,
            sha256="0" * 64,
            html_sha256="0" * 64,
        )


def test_freezing_needs_the_csrf_token(official, consultation, opinion):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(official)
    assert browser.post(freeze_url(consultation)).status_code == 403
    assert not FrozenReport.objects.exists()


def test_freezing_and_downloads_are_for_officials_only(
    client, official_client, consultation, opinion
):
    official_client.post(freeze_url(consultation))
    paths = [
        f"/consultations/{consultation.pk}/report/frozen/1.xlsx",
        f"/consultations/{consultation.pk}/report/frozen/1.html",
    ]
    response = client.post(freeze_url(consultation))
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
    planner = Client()
    planner.force_login(make_planner())
    assert planner.post(freeze_url(consultation)).status_code == 403
    for path in paths:
        assert planner.get(path).status_code == 403
    assert FrozenReport.objects.count() == 1
    assert official_client.get(freeze_url(consultation)).status_code == 405
    assert download(official_client, consultation, 1, "pdf").status_code == 404
    assert download(official_client, consultation, 9, "xlsx").status_code == 404
