"""The plan's figures on the pages: the planners' staff pages (/staff/plans/<slug>/figures/),
the plan page (beside each section's text and the 图集 list) and the downloads.

Figures are added to a plan's working draft only (make_plan's version 1 is published and never
changes): the tests work in the draft ``new_draft`` makes, and publish it where the public
should see its figures."""

from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from planportal import figures
from planportal.models import PlanFigure, Section
from planportal.versions import new_draft, publish_version
from tests.factories import make_official, make_plan
from tests.planportal import figure_files

HOSTILE_TITLE = '<script>alert("图")</script>总体格局图'


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(db, media):
    plan = make_plan()
    new_draft(plan)  # the version figures are added to
    return plan


def upload_page(client: Client, slug: str, name: str, content: bytes, **fields):
    data = {
        "title": "镇域国土空间总体格局图",
        "section": "",
        "review_number": "",
        **fields,
        "file": SimpleUploadedFile(name, content),
    }
    return client.post(f"/staff/plans/{slug}/figures/", data)


def test_a_planner_uploads_edits_and_deletes_a_figure_on_the_staff_pages(
    planner_client, plan, media, new_audit_events
):
    index = planner_client.get("/staff/figures/").content.decode()
    assert f'href="/staff/plans/{plan.slug}/figures/"' in index
    assert 'href="/staff/figures/"' in index  # in the staff navigation

    response = upload_page(
        planner_client,
        plan.slug,
        "map.png",
        figure_files.png(),
        section="3.2",
        review_number="晋S（2023）012号",
    )
    assert response.status_code == 302
    figure = PlanFigure.objects.get()
    assert (figure.section.number, figure.review_number) == ("3.2", "晋S（2023）012号")
    listing = planner_client.get(f"/staff/plans/{plan.slug}/figures/").content.decode()
    assert "镇域国土空间总体格局图" in listing
    assert f"/staff/plans/{plan.slug}/figures/{figure.pk}/thumbnail/" in listing
    thumbnail = planner_client.get(f"/staff/plans/{plan.slug}/figures/{figure.pk}/thumbnail/")
    assert thumbnail["Content-Type"] == "image/jpeg"

    edit_url = f"/staff/plans/{plan.slug}/figures/{figure.pk}/edit/"
    assert "晋S（2023）012号" in planner_client.get(edit_url).content.decode()
    edited = planner_client.post(
        edit_url, {"title": "改后的标题", "section": "3.1", "review_number": "", "position": 4}
    )
    assert edited.status_code == 302
    figure.refresh_from_db()
    assert (figure.title, figure.section.number, figure.review_number, figure.position) == (
        "改后的标题",
        "3.1",
        "",
        4,
    )

    delete_url = f"/staff/plans/{plan.slug}/figures/{figure.pk}/delete/"
    assert planner_client.get(delete_url).status_code == 200
    assert planner_client.post(delete_url).status_code == 302
    assert not PlanFigure.objects.exists()
    actions = new_audit_events().filter(object_type="planportal.planfigure")
    assert sorted(actions.values_list("action", flat=True)) == [
        "figure.add",
        "figure.delete",
        "figure.edit",
    ]


def test_a_disguised_file_is_refused_on_the_page_in_chinese(planner_client, plan, media):
    response = upload_page(planner_client, plan.slug, "总体格局图.png", figure_files.HTML)
    assert response.status_code == 400
    page = response.content.decode()
    assert "不是其名称所示的文件" in page
    assert "<script>alert(1)</script>" not in page
    assert not PlanFigure.objects.exists()
    assert not (media / "figures").exists()


def test_only_planners_reach_the_figure_pages(client, plan, media):
    response = client.get(f"/staff/plans/{plan.slug}/figures/")
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]
    official = Client()
    official.force_login(make_official())
    assert official.get(f"/staff/plans/{plan.slug}/figures/").status_code == 403
    assert upload_page(official, plan.slug, "a.png", figure_files.png()).status_code == 403
    assert not PlanFigure.objects.exists()


def test_the_plan_page_shows_figures_beside_their_section_and_in_the_atlas(client, plan, planner):
    section = Section.objects.get(chapter__version__in=plan.versions.filter(number=2), number="3.2")
    image = figures.add_figure(
        planner,
        plan,
        name="a.png",
        content=figure_files.png(),
        title=HOSTILE_TITLE,
        section=section,
        review_number="晋S（2023）012号",
    )
    sheet = figures.add_figure(
        planner, plan, name="b.pdf", content=figure_files.pdf(), title="用地用海规划图"
    )
    assert "用地用海规划图" not in client.get(f"/plans/{plan.slug}/").content.decode()  # a draft's
    publish_version(image.version)
    page = client.get(f"/plans/{plan.slug}/").content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;图&quot;)&lt;/script&gt;总体格局图" in page
    section_html = page.split('id="section-3-2"')[1].split("</section>")[0]
    assert f'src="/plans/{plan.slug}/figures/{image.pk}/thumbnail/"' in section_html
    assert "审图号：晋S（2023）012号" in section_html
    atlas = page.split('id="figures"')[1].split("</section>")[0]
    assert "图集" in atlas
    assert f'href="/plans/{plan.slug}/figures/{image.pk}/"' in atlas
    assert f'href="/plans/{plan.slug}/figures/{sheet.pk}/"' in atlas
    assert 'href="#section-3-2"' in atlas
    assert 'href="#figures"' in page  # in the contents


def test_a_figure_downloads_with_its_type_and_title(client, plan, planner):
    figure = figures.add_figure(
        planner, plan, name="x.pdf", content=figure_files.pdf(), title="用地/用海 规划图"
    )
    assert client.get(f"/plans/{plan.slug}/figures/{figure.pk}/").status_code == 404  # a draft's
    publish_version(figure.version)
    response = client.get(f"/plans/{plan.slug}/figures/{figure.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert quote("用地_用海 规划图.pdf") in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    etag = response["ETag"]
    again = client.get(f"/plans/{plan.slug}/figures/{figure.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_figures_of_an_unpublished_plan_are_not_public(client, db, media, planner):
    draft = make_plan("draft-town-2021-2035", published=False)
    figure = figures.add_figure(
        planner, draft, name="a.png", content=figure_files.png(), title="总体格局图"
    )
    assert client.get(f"/plans/{draft.slug}/figures/{figure.pk}/").status_code == 404
    assert client.get(f"/plans/{draft.slug}/figures/{figure.pk}/thumbnail/").status_code == 404
    # Nor under another plan's address.
    other = make_plan()
    assert client.get(f"/plans/{other.slug}/figures/{figure.pk}/").status_code == 404


def test_a_published_versions_figure_is_not_deleted_on_the_staff_page(
    planner_client, plan, planner, media
):
    figure = figures.add_figure(
        planner, plan, name="a.png", content=figure_files.png(), title="总体格局图"
    )
    publish_version(figure.version)
    delete_url = f"/staff/plans/{plan.slug}/figures/{figure.pk}/delete/"
    answer = planner_client.post(delete_url, follow=True)
    assert answer.status_code == 200
    assert "新建一个版本" in answer.content.decode()
    assert PlanFigure.objects.filter(pk=figure.pk).exists()
    assert client_can_download(plan.slug, figure.pk)


def client_can_download(slug: str, figure_id: int) -> bool:
    return Client().get(f"/plans/{slug}/figures/{figure_id}/").status_code == 200
