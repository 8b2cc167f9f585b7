"""The plan's figures (图集): what is accepted and refused (planportal/figures.py), the audit
trail of each change, and the planners' API (/api/plans/<slug>/figures/).

Figures are added to a plan's working draft only: the published version 1 of ``make_plan``
never changes, so every test here works in the draft ``new_draft`` makes from it, and a test
where the public should see a figure publishes that draft."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from planportal import figures
from planportal.models import AuditEvent, PlanFigure, Section
from planportal.versions import new_draft, publish_version
from tests.factories import make_official, make_plan, make_planner, token_header
from tests.planportal import figure_files


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(db, media):
    plan = make_plan()
    new_draft(plan)  # the version figures are added to
    return plan


def draft_section(plan, number: str) -> Section:
    """Section ``number`` of the plan's working draft (version 2), not of the published one."""
    return Section.objects.get(chapter__plan=plan, chapter__version__number=2, number=number)


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def add(plan, name: str, content: bytes, **fields):
    fields.setdefault("title", "镇域国土空间总体格局图")
    planner = User.objects.filter(username="li.planner").first() or make_planner()
    return figures.add_figure(planner, plan, name=name, content=content, **fields)


# --- What is accepted -----------------------------------------------------------------------


def test_an_image_is_stored_with_its_size_hash_and_a_thumbnail(plan, media):
    section = draft_section(plan, "3.2")
    figure = add(
        plan,
        "总体格局图.PNG",
        figure_files.png(2000, 1000),
        section=section,
        review_number="晋S（2023）012号",
    )

    assert (figure.kind, figure.content_type) == ("image", "image/png")
    assert (figure.width, figure.height) == (2000, 1000)
    assert len(figure.sha256) == 64
    assert figure.file.name.startswith(f"figures/plan-{plan.pk}/")
    assert "总体格局图" not in figure.file.name  # server-made names only
    with figure.thumbnail.open("rb") as handle:
        thumbnail = Image.open(handle)
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) == 480
    assert figure.review_number == "晋S（2023）012号"
    assert (figure.version.number, figure.version.is_published) == (2, False)
    event = AuditEvent.objects.get(action="figure.add", object_id=str(figure.pk))
    assert event.after["sha256"] == figure.sha256
    assert event.after["section"] == "3.2"


def test_a_transparent_png_and_a_jpeg_get_thumbnails_too(plan):
    assert add(plan, "a.png", figure_files.png(300, 200, mode="RGBA")).thumbnail
    jpeg = add(plan, "b.jpeg", figure_files.jpeg())
    assert jpeg.content_type == "image/jpeg"
    assert jpeg.position == 1


def test_a_pdf_sheet_is_stored_with_its_page_count_and_no_thumbnail(plan):
    figure = add(plan, "图集.pdf", figure_files.pdf(pages=3))
    assert (figure.kind, figure.content_type, figure.pages) == ("pdf", "application/pdf", 3)
    assert not figure.thumbnail


# --- What is refused, leaving nothing behind ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("总体格局图.png", figure_files.HTML, "不是其名称所示的文件"),
        ("总体格局图.jpg", figure_files.pdf(), "不是其名称所示的文件"),
        ("总体格局图.jpg", figure_files.png(), "不是其名称所示的文件"),
        ("总体格局图.pdf", figure_files.HTML, "不是其名称所示的文件"),
        ("总体格局图.pdf", figure_files.pdf(password="secret"), "密码"),
        ("总体格局图.pdf", b"%PDF-1.7\nnot really", "已损坏"),
        ("总体格局图.png", figure_files.png()[:120], "已损坏"),
        ("总体格局图.svg", b"<svg/>", "只能上传"),
        ("总体格局图.png", b"", "文件是空的"),
    ],
)
def test_disguised_damaged_or_other_files_are_refused_in_chinese(plan, media, name, content, words):
    before = AuditEvent.objects.count()
    with pytest.raises(figures.FigureRefused) as refused:
        add(plan, name, content)
    assert words in str(refused.value)
    assert not PlanFigure.objects.exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.count() == before


def test_pixels_are_counted_from_the_header_before_anything_is_decoded(plan, media, settings):
    # The header claims 30,000 × 30,000 pixels and there is no image data at all: the refusal
    # names the pixels, so it came from the header.
    with pytest.raises(figures.FigureRefused, match="像素过多"):
        add(plan, "大图.png", figure_files.png_header_claiming(30_000, 30_000))
    settings.FIGURE_MAX_PIXELS = 10_000_000
    with pytest.raises(figures.FigureRefused, match="像素过多"):
        add(plan, "大图.png", figure_files.png_header_claiming(9000, 9000))
    settings.FIGURE_MAX_PIXELS = 10_000
    with pytest.raises(figures.FigureRefused, match="像素过多"):
        add(plan, "图.png", figure_files.png(200, 100))
    assert stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused(plan, media, settings):
    settings.FIGURE_MAX_BYTES = 100
    with pytest.raises(figures.FigureRefused, match="文件过大"):
        add(plan, "图集.pdf", figure_files.pdf(pages=5))
    assert stored_files(media) == []


def test_a_failure_after_the_files_were_written_removes_them(plan, media, monkeypatch):
    other = make_plan("other-town-2021-2035")
    new_draft(other)
    foreign = draft_section(other, "3.1")
    with pytest.raises(figures.FigureRefused):
        add(plan, "a.png", figure_files.png(), section=foreign)
    with pytest.raises(figures.FigureRefused, match="标题"):
        add(plan, "a.png", figure_files.png(), title="   ")
    assert stored_files(media) == []

    # A failure once the files are on disk (here the audit record): row and files both go.
    def audit_fails(*args, **kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(figures, "record", audit_fails)
    with pytest.raises(RuntimeError):
        add(plan, "a.png", figure_files.png())
    assert not PlanFigure.objects.exists()
    assert stored_files(media) == []


# --- Edit and delete ------------------------------------------------------------------------


def test_edit_and_delete_are_audited_and_delete_removes_the_files(
    plan, media, django_capture_on_commit_callbacks
):
    figure = add(plan, "a.png", figure_files.png())
    planner = make_planner("zhao.planner")
    section = draft_section(plan, "3.1")
    figures.update_figure(planner, figure, title="新标题", section=section, review_number="")
    event = AuditEvent.objects.get(action="figure.edit", object_id=str(figure.pk))
    assert event.before == {"title": "镇域国土空间总体格局图", "section": None}
    assert event.after == {"title": "新标题", "section": "3.1"}
    assert event.actor == planner

    figures.update_figure(planner, figure, title="新标题")  # nothing changes, nothing recorded
    assert AuditEvent.objects.filter(action="figure.edit", object_id=str(figure.pk)).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        figures.delete_figure(planner, figure)
    assert not PlanFigure.objects.exists()
    assert stored_files(media) == []
    deleted = AuditEvent.objects.get(action="figure.delete", object_id=str(figure.pk))
    assert deleted.before["title"] == "新标题"
    assert deleted.before["plan"] == plan.pk


# --- The planners' API ----------------------------------------------------------------------


def upload(client: Client, slug: str, name: str, content: bytes, **fields):
    data = {"title": "镇域国土空间总体格局图", **fields, "file": SimpleUploadedFile(name, content)}
    return client.post(f"/api/plans/{slug}/figures/", data)


def test_a_planner_uploads_lists_changes_and_deletes_through_the_api(plan, media):
    client = Client(**token_header(make_planner("api.planner")))
    created = upload(
        client,
        plan.slug,
        "a.png",
        figure_files.png(),
        section="3.2",
        review_number="晋S（2023）012号",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["section"] == "3.2"
    assert body["review_number"] == "晋S（2023）012号"
    assert body["url"].endswith(f"/plans/{plan.slug}/figures/{body['id']}/")
    assert body["thumbnail"].endswith(f"/plans/{plan.slug}/figures/{body['id']}/thumbnail/")

    listed = client.get(f"/api/plans/{plan.slug}/figures/").json()
    assert [figure["id"] for figure in listed] == [body["id"]]

    url = f"/api/plans/{plan.slug}/figures/{body['id']}/"
    changed = client.patch(
        url, {"title": "改后的标题", "section": ""}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["section"]) == ("改后的标题", None)
    wrong = client.patch(url, {"section": "9.9"}, content_type="application/json")
    assert wrong.status_code == 400
    assert "9.9" in wrong.json()["section"][0]

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    actions = AuditEvent.objects.filter(
        object_id=str(body["id"]), object_type="planportal.planfigure"
    )
    assert sorted(actions.values_list("action", flat=True)) == [
        "figure.add",
        "figure.delete",
        "figure.edit",
    ]


def test_the_api_refuses_a_disguised_file_with_a_chinese_message(plan, media):
    client = Client(**token_header(make_planner("api.planner")))
    refused = upload(client, plan.slug, "map.png", figure_files.HTML)
    assert refused.status_code == 400
    assert "不是其名称所示的文件" in refused.json()["file"][0]
    assert not PlanFigure.objects.exists()
    assert stored_files(media) == []


def test_only_planners_may_use_the_figures_api(plan, media):
    anonymous = Client()
    assert anonymous.get(f"/api/plans/{plan.slug}/figures/").status_code == 401
    assert upload(anonymous, plan.slug, "a.png", figure_files.png()).status_code == 401
    official = Client(**token_header(make_official()))
    assert official.get(f"/api/plans/{plan.slug}/figures/").status_code == 403
    assert upload(official, plan.slug, "a.png", figure_files.png()).status_code == 403
    assert not PlanFigure.objects.exists()
    planner = Client(**token_header(make_planner("api.planner")))
    assert planner.get("/api/plans/no-such-plan/figures/").status_code == 404


def test_the_plan_detail_lists_its_figures(plan, media):
    figure = add(plan, "a.png", figure_files.png(), review_number="晋S（2023）012号")
    add(plan, "b.pdf", figure_files.pdf())
    assert Client().get(f"/api/plans/{plan.slug}/").json()["figures"] == []  # a draft's
    publish_version(figure.version)
    body = Client().get(f"/api/plans/{plan.slug}/").json()
    assert [f["title"] for f in body["figures"]] == ["镇域国土空间总体格局图"] * 2
    first = body["figures"][0]
    assert (first["id"], first["review_number"], first["kind"]) == (
        figure.pk,
        "晋S（2023）012号",
        "image",
    )
    assert body["figures"][1]["thumbnail"] is None


def test_a_published_versions_figures_never_change(plan, media, django_capture_on_commit_callbacks):
    figure = add(plan, "a.png", figure_files.png())
    publish_version(figure.version)
    planner = User.objects.get(username="li.planner")
    with pytest.raises(figures.FigureRefused, match="已公开发布"):
        add(plan, "b.png", figure_files.png())
    with pytest.raises(figures.FigureRefused, match="新建一个版本"):
        figures.update_figure(planner, figure, title="新标题")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(figures.FigureRefused, match="新建一个版本"),
    ):
        figures.delete_figure(planner, figure)

    client = Client(**token_header(planner))
    url = f"/api/plans/{plan.slug}/figures/{figure.pk}/"
    changed = client.patch(url, {"title": "新标题"}, content_type="application/json")
    assert changed.status_code == 400
    deleted = client.delete(url)
    assert deleted.status_code == 409 and "已公开发布" in deleted.json()["detail"]
    refused = upload(client, plan.slug, "b.png", figure_files.png())
    assert refused.status_code == 400 and "已公开发布" in refused.json()["file"][0]

    figure.refresh_from_db()
    assert figure.title == "镇域国土空间总体格局图"
    assert PlanFigure.objects.get() == figure
    assert len(stored_files(media)) == 2  # the sheet and its thumbnail
    assert not AuditEvent.objects.filter(action__in=["figure.edit", "figure.delete"]).exists()
