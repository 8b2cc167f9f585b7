"""The officials of the browser tests. Their accounts are committed (the live server cannot
see a test's transaction) and, as the audit trail points at them, retired rather than
deleted afterwards."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from planportal.roles import OFFICIALS


def make_official_account(username: str, password: str):
    official, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True}
    )
    official.is_active = True
    official.set_password(password)  # as `createstaff` does
    official.save()
    official.groups.add(Group.objects.get(name=OFFICIALS))
    return official


def retire_account(account) -> None:
    account.is_active = False
    account.set_unusable_password()
    account.save()


def log_in(page, live_url: str, path: str, username: str, password: str) -> None:
    """Opens a staff page as nobody, signs in on the login page it leads to, and waits to be
    back on the page."""
    page.goto(f"{live_url}{path}")
    page.wait_for_url("**/staff/login/**")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(f"**{path}")
