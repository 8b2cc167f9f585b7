"""An official reads and exports a plan's audit trail: real Chromium against the live server.
The official is committed here (the live server cannot see a test's transaction) and
deactivated afterwards, as the trail keeps the account's history."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from openpyxl import load_workbook

from planportal.models import AuditEvent
from planportal.roles import OFFICIALS
from tests.conftest import DEMO_SLUG, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.trail.official"
PASSWORD = "Every-Change-On-Record-39972"


@pytest.fixture(scope="module")
def official(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        user, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        user.is_active = True
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=OFFICIALS))
    yield user
    with django_db_blocker.unblock():
        user.is_active = False
        user.set_unusable_password()
        user.save()


def test_an_official_reads_the_trail_sees_her_login_and_exports_it(
    browser, live_url, official, tmp_path
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_url}/staff/login/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/staff/comments/**")

    page.get_by_role("link", name="操作留痕").click()
    page.wait_for_url("**/staff/**trail/**")
    if f"/staff/plans/{DEMO_SLUG}/trail/" not in page.url:  # several plans: choose the demo
        page.locator(f"a[href='/staff/plans/{DEMO_SLUG}/trail/']").click()
        page.wait_for_url(f"**/staff/plans/{DEMO_SLUG}/trail/")
    assert page.locator("h1").inner_text() == "操作留痕"
    # What the demo loader did is there, with the command as its way.
    assert page.locator("table.trail-table td", has_text="命令 load_demo_plan").count() > 0

    page.select_option("select[name=kind]", "accounts")
    page.locator("form.staff-filters button[type=submit]").click()
    page.wait_for_url("**kind=accounts**")
    login = page.locator("table.trail-table tbody tr", has_text="登录").filter(has_text=USERNAME)
    assert login.count() >= 1
    save_screenshot(page, "official-trail")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 XLSX").click()
    path = tmp_path / "trail.xlsx"
    download_info.value.save_as(path)
    rows = [[c.value for c in row] for row in load_workbook(path).active.iter_rows()]
    assert rows[0][:3] == ["序号", "时间", "操作人"]
    assert any(row[2] == USERNAME and row[5] == "登录" for row in rows[1:])
    assert AuditEvent.objects.filter(
        action="trail.export_xlsx", actor=official, after__kind="accounts"
    ).exists()
    assert errors == []
    context.close()
