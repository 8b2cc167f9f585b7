"""A county administrator creates a staff account, grants it an official's right on the demo
plan's township and deactivates it: real Chromium against the live server. Accounts are
committed here (the live server cannot see a test's transaction) and left deactivated, as the
trail keeps their history; the grant is removed afterwards."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group

from planportal.models import AuditEvent, RoleGrant
from planportal.roles import ADMINISTRATORS
from tests.conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.county.admin"
PASSWORD = "Every-Plan-Of-The-County-141181"
DEMO_TOWN = "141181101000"


@pytest.fixture(scope="module")
def administrator(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        user, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        user.is_active = True
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=ADMINISTRATORS))
    yield user
    with django_db_blocker.unblock():
        RoleGrant.objects.filter(granted_by=user).delete()  # committed: leave no right behind
        user.is_active = False
        user.set_unusable_password()
        user.save()


def test_an_administrator_creates_an_account_grants_a_region_and_deactivates_it(
    browser, live_url, administrator
):
    newcomer = f"town.official.{uuid.uuid4().hex[:6]}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_url}/staff/login/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/staff/accounts/")
    assert page.locator("h1").inner_text() == "工作人员账号与权限"

    page.fill("#new-account-form input[name=username]", newcomer)
    page.locator("#new-account-form button[type=submit]").click()
    page.wait_for_load_state()
    shown = page.locator("code.temporary-password").inner_text()
    assert re.fullmatch(r"[A-Za-z2-9]{14}", shown)
    created = get_user_model().objects.get(username=newcomer)
    # Not user.check_password: it would re-hash with the tests' hasher and lock the row.
    assert check_password(shown, created.password)

    page.select_option("#grant-form select[name=user]", newcomer)
    page.select_option("#grant-form select[name=role]", "official")
    page.fill("#grant-form input[name=region_code]", DEMO_TOWN)
    page.locator("#grant-form button[type=submit]").click()
    page.wait_for_url("**/staff/accounts/")
    assert "区划 141181101000" in page.locator(".staff-messages").inner_text()
    row = page.locator(f"#account-{created.pk}")
    assert "官员：区划 141181101000 内的全部规划（山西省吕梁市孝义市阳泉曲镇）" in row.inner_text()
    assert RoleGrant.objects.filter(user=created, region_code=DEMO_TOWN).exists()
    save_screenshot(page, "administrator-accounts")

    row.get_by_role("button", name="停用").click()
    page.wait_for_url("**/staff/accounts/")
    assert "已停用" in page.locator(f"#account-{created.pk}").inner_text()
    created.refresh_from_db()
    assert not created.is_active
    assert AuditEvent.objects.filter(actor=administrator, action="grant.add").exists()
    assert errors == []
    page.close()
