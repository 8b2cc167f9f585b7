"""A planner uploads a map sheet of the 图集 on the staff page into the plan's working draft;
once that version is published a resident sees it beside the section's text on the plan page,
with its 审图号, and in the 图集 list: real Chromium against the live server. The planner and
the draft are committed here (the live server cannot see a test's transaction); afterwards the
planner is deactivated and the version with its figure deleted, so the demo plan reads its
version 1 again."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from layers.versions import remap_layer_sections
from planportal.models import Plan, PlanFigure, PlanVersion
from planportal.roles import PLANNERS
from planportal.versions import new_draft, publish_version
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.planportal import figure_files

# No test transaction: what the test writes (publishing the draft) must be seen by the server.
pytestmark = [pytest.mark.browser]

USERNAME = "browser.figures.planner"
PASSWORD = "Sheets-Of-The-Atlas-2035"
TITLE = "阳泉曲镇镇域国土空间控制线规划图（测试）"
REVIEW_NUMBER = "晋S（2023）012号"


@pytest.fixture(scope="module")
def planner(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_")
        user, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        user.is_active = True
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=PLANNERS))
    yield user
    with django_db_blocker.unblock():
        PlanFigure.objects.filter(plan__slug=DEMO_SLUG, title=TITLE).delete()
        user.is_active = False
        user.set_unusable_password()
        user.save()


@pytest.fixture(scope="module")
def draft(django_db_setup, django_db_blocker):
    """The demo plan's working draft (version 2): figures are added only to a draft."""
    with django_db_blocker.unblock():
        draft = new_draft(Plan.objects.get(slug=DEMO_SLUG), label="图集测试稿")
    yield draft
    with django_db_blocker.unblock():
        # Publishing moved the demo layers' section pointers to this version: back to version
        # 1 first, or deleting it would leave the layers without a section (not public) for
        # every later test of the session.
        remap_layer_sections(draft.plan.versions.get(number=1))
        PlanVersion.objects.filter(pk=draft.pk).delete()


def test_an_uploaded_sheet_appears_beside_its_section(
    browser, live_url, planner, draft, tmp_path, django_db_blocker
):
    sheet = tmp_path / "控制线规划图.png"
    sheet.write_bytes(figure_files.png(1600, 1100))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_url}/staff/login/?next=/staff/figures/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{live_url}/staff/figures/")
    page.click(f"a[href='/staff/plans/{DEMO_SLUG}/figures/']")
    page.fill("#id_title", TITLE)
    page.select_option("#id_section", value="3.2")
    page.fill("#id_review_number", REVIEW_NUMBER)
    page.set_input_files("#id_file", str(sheet))
    page.click("form.figure-upload-form button[type=submit]")
    page.wait_for_url(f"{live_url}/staff/plans/{DEMO_SLUG}/figures/")
    assert f"已添加图件“{TITLE}”。" in page.content()
    save_screenshot(page, "planner-figures")
    with django_db_blocker.unblock():
        assert draft.figures.filter(title=TITLE, section__number="3.2").exists()
        publish_version(draft, planner)  # residents read the published version

    page.goto(f"{live_url}/plans/{DEMO_SLUG}/#section-3-2")
    page.wait_for_load_state("networkidle")
    figure = page.locator("#section-3-2 figure.plan-figure")
    assert figure.is_visible()
    image = figure.locator("img")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 480
    assert TITLE in figure.inner_text()
    assert REVIEW_NUMBER in figure.inner_text()
    save_screenshot(page, "plan-section-figure")

    page.locator(".chapter-nav a[href='#figures']").click()
    atlas = page.locator("#figures")
    assert TITLE in atlas.inner_text()
    with page.expect_download() as download:
        atlas.get_by_role("link", name=TITLE).click()
    assert download.value.suggested_filename == f"{TITLE}.png"
    assert errors == []
    context.close()
