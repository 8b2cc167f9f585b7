"""A planner puts a plan's text on the portal from its document: uploads a DOCX written from the
real draft, reads the preview (structure and what was treated as layout), merges a section,
saves, and the public then downloads the original from the plan page. Real Chromium against
the live server; the plan and the planner are committed here (the live server cannot see a
test's transaction) and removed afterwards (the account is deactivated: the append-only audit
trail keeps pointing at it)."""

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from planportal.models import Plan
from planportal.roles import PLANNERS
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import save_screenshot
from tests.factories import make_plan
from tests.planportal.plan_documents import build_docx, draft_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.text.planner"
PASSWORD = "Every-Line-Once-2035"
SLUG = "browser-text-import-2021-2035"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    document = tmp_path_factory.mktemp("text") / "阳泉曲镇规划文本.docx"
    document.write_bytes(build_docx(draft_text(), styled=True))
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_")
        planner, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        planner.is_active = True
        planner.set_password(PASSWORD)
        planner.save()
        planner.groups.add(Group.objects.get(name=PLANNERS))
        plan = make_plan(SLUG, published=False)
    yield {"plan": plan, "document": document}
    with django_db_blocker.unblock():
        Plan.objects.filter(pk=plan.pk).delete()
        planner.is_active = False
        planner.set_unusable_password()
        planner.save()


def publish_committed(slug: str) -> None:
    """Publish the plan outside the test's transaction, so the live server sees it."""
    database = connection.settings_dict
    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"],
        port=database["PORT"],
        autocommit=True,
    ) as other:
        other.execute(
            "UPDATE planportal_plan SET is_published = true, updated_at = now() WHERE slug = %s",
            [slug],
        )


def test_a_planner_uploads_corrects_and_saves_the_text(browser, live_url, scene):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_url}/staff/login/?next=/staff/plans/{SLUG}/text/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"**/staff/plans/{SLUG}/text/")

    page.set_input_files("#id_document", str(scene["document"]))
    page.click("form.text-upload-form button[type=submit]")
    page.wait_for_selector("#preview-structure")
    structure = page.locator("#preview-structure")
    assert structure.locator("details.preview-chapter").count() == 8
    assert "1.1 镇域概况" in structure.inner_text()
    layout = page.locator("table.preview-layout").inner_text()
    assert "页眉" in layout and "本章目录" in layout and "DIRECTORY" in layout
    assert_accessible(page, "text-import-preview")

    # 2.2 goes into 2.1: its number and title stay as a sub-heading there.
    page.locator("#preview-1-1 h3 button[value=merge]").click()
    page.wait_for_selector(".staff-messages")
    assert page.locator("#preview-1-1").count() == 0
    assert "2.2 区域协同" in page.locator("#preview-1-0").inner_text()
    save_screenshot(page, "text-import-merged")

    page.click("form.text-save-form button[type=submit]")
    page.wait_for_selector(".staff-messages .message-success")
    assert page.locator("form.text-save-form").count() == 0
    plan = Plan.objects.get(slug=SLUG)  # the server's commit, read in this transaction
    assert plan.chapters.count() == 8
    assert plan.chapters.get(number=2).sections.count() == 1
    publish_committed(SLUG)
    public_context = browser.new_context(accept_downloads=True)
    public = public_context.new_page()
    public.goto(f"{live_url}/plans/{SLUG}/")
    with public.expect_download() as download:
        public.click(".plan-document-link a")
    assert download.value.suggested_filename == "阳泉曲镇规划文本.docx"
    assert download.value.path().read_bytes() == scene["document"].read_bytes()
    assert errors == []
    public_context.close()
    context.close()
