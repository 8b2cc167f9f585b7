"""A plan's text from its document, stored: the command, the planners' API and staff page, and
the public download of the original. Real PostGIS, real HTTP through the test client."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test import Client

from planportal.importing.saving import create_import, keep_original, save_import
from planportal.loader import stored_text
from planportal.models import Plan, Section, TextImport, TextImportStatus
from planportal.versions import public_version, publish_version
from tests.factories import (
    make_comment,
    make_consultation,
    make_official,
    make_plan,
    token_header,
)
from tests.planportal.plan_documents import (
    build_docx,
    build_pdf,
    draft_text,
    fidelity,
    stored_pieces,
)

pytestmark = pytest.mark.django_db
CODE = "141181104000"


@pytest.fixture(scope="module")
def draft() -> str:
    return draft_text()


@pytest.fixture(scope="module")
def docx_bytes(draft) -> bytes:
    return build_docx(draft, styled=True)


@pytest.fixture(scope="module")
def pdf_bytes(draft) -> bytes:
    return build_pdf(draft, radicals=True)


@pytest.fixture
def docx_file(tmp_path, docx_bytes):
    path = tmp_path / "阳泉曲镇国土空间总体规划.docx"
    path.write_bytes(docx_bytes)
    return path


def stored_plan(slug: str) -> dict:
    return stored_text(Plan.objects.get(slug=slug))


# --- saving ---------------------------------------------------------------------------------


def test_a_saved_pdf_import_stores_every_sentence_and_search_finds_人民(draft, pdf_bytes, planner):
    plan = make_plan(published=False)
    text_import = create_import(plan, pdf_bytes, "plan.pdf", planner)
    save_import(text_import, planner)
    text = stored_plan(plan.slug)
    assert fidelity(draft, stored_pieces(text)) == ([], [])
    assert [c["number"] for c in text["chapters"]] == list(range(1, 9))
    found = Section.objects.annotate(body=Cast("blocks", TextField())).filter(
        chapter__plan=plan, body__contains="人民"
    )
    assert found.exists()
    assert not Section.objects.annotate(body=Cast("blocks", TextField())).filter(
        chapter__plan=plan, body__contains="\u2f08"
    )
    text_import.refresh_from_db()
    assert text_import.status == TextImportStatus.SAVED and text_import.format == "pdf"


def test_saving_replaces_the_old_text_and_is_on_the_record(docx_bytes, planner, new_audit_events):
    plan = make_plan(published=False)  # chapter 3 with 3.1 and 3.2
    save_import(create_import(plan, docx_bytes, "plan.docx", planner), planner)
    assert plan.chapters.count() == 8
    assert plan.chapters.get(number=3).title == "统筹规划，优化空间格局"
    event = new_audit_events().get(action="plan.text_imported")
    assert event.actor == planner and event.after["sections"] == 22


OLD_TEXT = [{"type": "paragraph", "text": "划定永久基本农田、生态保护红线和城镇开发边界。"}]


def commented_plan() -> tuple[Plan, Section, object]:
    """make_plan's plan published with text in section 3.2, and a comment on that section."""
    plan = make_plan(published=False)
    section = Section.objects.get(chapter__plan=plan, number="3.2")
    section.blocks = OLD_TEXT
    section.save()
    publish_version(plan.versions.get(number=1))
    plan.is_published = True
    plan.save()
    comment = make_comment(make_consultation(plan), section=section)
    return plan, section, comment


def assert_version_1_unchanged(plan: Plan, section: Section, comment) -> None:
    """Version 1, the published one residents commented on, is as it was."""
    first = plan.versions.get(number=1)
    assert first.is_published
    assert [c.number for c in first.chapters.all()] == [3]
    kept = Section.objects.get(pk=section.pk)
    assert (kept.chapter.version, kept.number, kept.title) == (first, "3.2", "控制线划定")
    assert kept.blocks == OLD_TEXT
    comment.refresh_from_db()
    assert comment.section_id == section.pk


def test_an_import_into_a_plan_with_comments_makes_a_new_version(docx_bytes, draft, planner):
    plan, section, comment = commented_plan()
    text_import = create_import(plan, docx_bytes, "plan.docx", planner)
    save_import(text_import, planner)

    assert_version_1_unchanged(plan, section, comment)
    second = plan.versions.get(number=2)
    assert (second.is_published, second.based_on.number) == (False, 1)
    text_import.refresh_from_db()
    assert text_import.version == second
    assert second.chapters.count() == 8
    assert fidelity(draft, stored_pieces(stored_text(second))) == ([], [])
    # Residents still read version 1: the new text is a draft until it is published.
    assert public_version(Plan.objects.get(pk=plan.pk)).number == 1


# --- the command ----------------------------------------------------------------------------


def test_import_plan_creates_a_plan_and_prints_what_it_found(draft, docx_file):
    out = StringIO()
    call_command(
        "import_plan",
        str(docx_file),
        "--slug",
        "yqq-imported",
        "--name",
        "孝义市阳泉曲镇国土空间总体规划（2021-2035年）",
        "--region-code",
        CODE,
        "--organisation",
        "孝义市阳泉曲镇人民政府",
        "--publish",
        stdout=out,
    )
    plan = Plan.objects.get(slug="yqq-imported")
    assert (plan.period_start, plan.period_end, plan.is_published) == (2021, 2035, True)
    assert fidelity(draft, stored_pieces(stored_plan(plan.slug))) == ([], [])
    printed = out.getvalue()
    assert "chapter 1 规划总则" in printed and "  1.1 镇域概况" in printed
    assert "treated as layout" in printed and "[目录] 目录" in printed and "[页眉]" in printed


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--slug", "new-plan"], "needs --name, --region-code and --organisation"),
        (
            ["--slug", "new-plan", "--name", "某镇规划", "--region-code", "1411"]
            + ["--organisation", "某镇人民政府"],
            "12 digits",
        ),
    ],
)
def test_import_plan_refuses_a_new_plan_without_name_or_code(docx_file, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_plan", str(docx_file), *arguments, stdout=StringIO())
    assert not Plan.objects.filter(slug="new-plan").exists()


def test_import_plan_exits_non_zero_on_a_refused_file(tmp_path):
    make_plan()
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(CommandError, match="refused: 无法读取"):
        call_command("import_plan", str(scan), "--slug", "test-town-2021-2035", stdout=StringIO())


def test_import_plan_needs_new_version_for_a_published_plan(docx_file):
    plan, section, comment = commented_plan()
    with pytest.raises(CommandError, match="--new-version"):
        call_command("import_plan", str(docx_file), "--slug", plan.slug, stdout=StringIO())
    assert not TextImport.objects.filter(plan=plan).exists()
    assert plan.versions.count() == 1

    out = StringIO()
    call_command("import_plan", str(docx_file), "--slug", plan.slug, "--new-version", stdout=out)
    assert re.search(r"^version 2 \(.+, draft\)$", out.getvalue(), re.MULTILINE)
    assert_version_1_unchanged(plan, section, comment)
    second = plan.versions.get(number=2)
    assert (second.kind, second.is_published, second.chapters.count()) == ("revised", False, 8)
    assert TextImport.objects.get(plan=plan).version == second


# --- the API --------------------------------------------------------------------------------


def test_the_api_previews_edits_and_saves(client, planner, docx_bytes, draft):
    plan = make_plan(published=False)
    headers = token_header(planner)
    upload = {"file": _upload("plan.docx", docx_bytes)}
    answer = client.post(f"/api/plans/{plan.slug}/text-imports/", upload, **headers)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["format"] == "docx" and body["status"] == "draft"
    assert len(body["structure"]["chapters"]) == 8
    assert {"kind": "目录", "text": "目录", "page": None} in body["structure"]["layout"]
    url = f"/api/plans/{plan.slug}/text-imports/{body['id']}/"
    assert client.get(url, **headers).json()["sha256"] == body["sha256"]
    step = {"action": "merge", "chapter": 1, "section": 1}
    edited = client.post(url + "edit/", step, content_type="application/json", **headers)
    assert edited.status_code == 200
    assert len(edited.json()["structure"]["chapters"][1]["sections"]) == 1
    assert plan.chapters.count() == 1  # nothing saved yet
    saved = client.post(url + "save/", **headers)
    assert saved.status_code == 200
    assert saved.json() == {"plan": plan.slug, "version": 1, "chapters": 8, "sections": 21}
    assert fidelity(draft, stored_pieces(stored_plan(plan.slug))) == ([], [])
    again = client.post(url + "save/", **headers)
    assert again.status_code == 409


def test_the_api_refuses_bad_files_and_strangers(client, planner):
    plan = make_plan(published=False)
    url = f"/api/plans/{plan.slug}/text-imports/"
    answer = client.post(url, {"file": _upload("scan.pdf", b"%PDF-1.4 x")}, **token_header(planner))
    assert answer.status_code == 400 and "无法读取" in answer.json()["file"][0]
    assert client.post(url, {"file": _upload("a.txt", b"x")}).status_code == 401
    official = token_header(make_official())
    assert client.post(url, {"file": _upload("a.txt", b"x")}, **official).status_code == 403
    missing = client.post("/api/plans/nope/text-imports/", {}, **token_header(planner))
    assert missing.status_code == 404


# --- the staff page -------------------------------------------------------------------------


def test_the_staff_page_previews_corrects_and_saves(planner_client, docx_bytes):
    plan = make_plan(published=False)
    page = f"/staff/plans/{plan.slug}/text/"
    assert planner_client.get(page).status_code == 200
    answer = planner_client.post(page, {"document": _upload("plan.docx", docx_bytes)})
    assert answer.status_code == 302
    preview = planner_client.get(answer["Location"])
    html = preview.content.decode()
    assert "规划总则" in html and "1.1 镇域概况" in html
    assert "页眉" in html and "本章目录" in html and "封面" in html
    text_import = TextImport.objects.get(plan=plan)
    edit = f"{page}{text_import.pk}/edit/"
    planner_client.post(edit, {"action": "merge", "chapter": 0, "section": 1})
    text_import.refresh_from_db()
    assert len(text_import.structure["chapters"][0]["sections"]) == 2
    planner_client.post(f"{page}{text_import.pk}/save/")
    assert plan.chapters.count() == 8
    assert plan.chapters.get(number=1).sections.count() == 2


def test_the_staff_page_says_why_a_file_is_refused(planner_client):
    plan = make_plan(published=False)
    answer = planner_client.post(
        f"/staff/plans/{plan.slug}/text/", {"document": _upload("scan.pdf", b"%PDF-1.4 x")}
    )
    assert answer.status_code == 400
    assert "无法读取该 PDF 文件" in answer.content.decode()


def test_the_staff_page_is_for_planners_only(client, official_client):
    plan = make_plan(published=False)
    page = f"/staff/plans/{plan.slug}/text/"
    assert client.get(page).status_code == 302
    assert official_client.get(page).status_code == 403


# --- the original document for the public ---------------------------------------------------


def test_the_public_downloads_the_original_once_the_plan_is_published(docx_bytes, planner):
    plan = make_plan(published=False)
    save_import(create_import(plan, docx_bytes, "阳泉曲镇规划.docx", planner), planner)
    anonymous = Client()
    assert anonymous.get(f"/plans/{plan.slug}/document/").status_code == 404
    plan.is_published = True
    plan.save()
    answer = anonymous.get(f"/plans/{plan.slug}/document/")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == docx_bytes
    assert "attachment" in answer["Content-Disposition"]
    page = anonymous.get(f"/plans/{plan.slug}/").content.decode()
    assert f'href="/plans/{plan.slug}/document/"' in page


def test_a_plan_without_an_imported_document_offers_none(client):
    plan = make_plan()
    assert client.get(f"/plans/{plan.slug}/document/").status_code == 404
    assert "/document/" not in client.get(f"/plans/{plan.slug}/").content.decode()


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_planners_layer_page_links_each_plans_text_page(planner_client):
    plan = make_plan(published=False)
    page = planner_client.get("/staff/layers/").content.decode()
    assert f'href="/staff/plans/{plan.slug}/text/"' in page


def test_the_demo_plan_offers_the_draft_as_published(client, demo_plan):
    path = Path(settings.BASE_DIR, "fixtures", "yangquanqu", "plan-draft.txt")
    draft = path.read_bytes()
    answer = client.get(f"/plans/{demo_plan.slug}/document/")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == draft
    assert (
        f'href="/plans/{demo_plan.slug}/document/"'
        in client.get(f"/plans/{demo_plan.slug}/").content.decode()
    )
    # Loading again keeps the one original: nothing new.
    assert (
        keep_original(
            demo_plan, Path(settings.BASE_DIR, "fixtures", "yangquanqu", "plan-draft.txt")
        )
        is None
    )


def test_a_kept_original_whose_file_was_lost_is_stored_again_and_never_a_500(client, tmp_path):
    plan = make_plan()
    path = tmp_path / "plan-draft.txt"
    path.write_bytes(
        Path(settings.BASE_DIR, "fixtures", "yangquanqu", "plan-draft.txt").read_bytes()
    )
    kept = keep_original(plan, path)
    kept.original.storage.delete(kept.original.name)
    assert client.get(f"/plans/{plan.slug}/document/").status_code == 404
    assert keep_original(plan, path) is None  # the same original: no new import
    answer = client.get(f"/plans/{plan.slug}/document/")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == path.read_bytes()
