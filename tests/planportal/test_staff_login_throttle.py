"""Failed staff logins are throttled (django-axes with the portal's address, limits and page):
over real HTTP with CSRF checks on, as a browser sends them."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from planportal.clients import client_key
from tests.factories import PASSWORD
from tests.planportal.test_settings import manage

pytestmark = pytest.mark.django_db

LIMIT = django_settings.LOGIN_FAILURE_LIMIT
PER_ADDRESS = django_settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
MINUTES = django_settings.LOGIN_LOCKOUT_MINUTES
CHINESE = f"登录失败次数过多，请 {MINUTES} 分钟后再试。如需帮助请联系系统管理员。"
ENGLISH = (
    f"Too many failed login attempts. Please try again in {MINUTES} minutes. "
    "If you need help, contact the system administrator."
)
WRONG = "Not-The-Password-99"
HOME = "198.51.100.7"
OFFICE = "198.51.100.8"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALERT = re.compile(r'role="alert">([^<]+)<')


class Visitor:
    """One person at one address with a browser that keeps its cookies and sends the form's
    CSRF token, as a real one does."""

    def __init__(self, address: str, url: str = "/staff/login/", **headers):
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address, **headers)
        self.url = url
        self.token = None

    def log_in(self, username: str, password: str, **headers):
        if self.token is None:
            self.token = token_of(self.client.get(self.url, **headers))
        data = {"csrfmiddlewaretoken": self.token, "username": username, "password": password}
        response = self.client.post(self.url, data, **headers)
        # A new login rotates the token; a page shown again carries the one to send next.
        self.token = token_of(response) if response.status_code in (200, 429) else None
        return response

    def fail(self, username: str, times: int, **headers):
        return [self.log_in(username, WRONG, **headers).status_code for _ in range(times)]

    def is_logged_in(self) -> bool:
        return "_auth_user_id" in self.client.session


def token_of(response) -> str:
    match = TOKEN.search(response.content.decode())
    assert match, "the page has no CSRF token"
    return match.group(1)


def alert_of(response) -> str:
    match = ALERT.search(response.content.decode())
    return match.group(1).strip() if match else ""


def move_time(minutes: float) -> None:
    """As if the failures so far had happened ``minutes`` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_one_failure_less_than_the_limit_still_lets_the_right_password_in(official):
    wang = Visitor(HOME)
    assert wang.fail(official.username, LIMIT - 1) == [200] * (LIMIT - 1)
    response = wang.log_in(official.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("staff-home")
    # The success cleared this username's failures: the limit counts from zero again.
    assert not AccessAttempt.objects.filter(username=official.username).exists()
    assert Visitor(HOME).fail(official.username, LIMIT - 1) == [200] * (LIMIT - 1)


def test_the_limit_of_failures_locks_the_username_from_that_address(official):
    wang = Visitor(HOME)
    assert wang.fail(official.username, LIMIT) == [200] * (LIMIT - 1) + [429]
    response = wang.log_in(official.username, PASSWORD)
    assert response.status_code == 429 and not wang.is_logged_in()
    assert response["Retry-After"] == str(MINUTES * 60)
    page = response.content.decode()
    assert alert_of(response) == CHINESE
    assert 'name="password"' in page and 'name="csrfmiddlewaretoken"' in page
    assert "Traceback" not in page and "Account locked" not in page
    # The token of the page shown again is accepted: this 429 is axes', not a CSRF 403.
    assert wang.log_in(official.username, PASSWORD).status_code == 429


def test_the_lockout_page_does_not_tell_whether_the_username_exists(official):
    known, unknown = Visitor(HOME), Visitor(OFFICE)
    known.fail(official.username, LIMIT)
    unknown.fail("no.such.official", LIMIT)
    for visitor, username, password in (
        (known, official.username, PASSWORD),
        (known, official.username, WRONG),
        (unknown, "no.such.official", WRONG),
    ):
        response = visitor.log_in(username, password)
        assert response.status_code == 429 and alert_of(response) == CHINESE
        assert "errorlist nonfield" not in response.content.decode()


def test_another_address_can_still_log_in_as_that_user(official):
    Visitor(HOME).fail(official.username, LIMIT)
    office = Visitor(OFFICE)
    assert office.log_in(official.username, PASSWORD).status_code == 302
    assert office.is_logged_in()


def test_failures_from_one_address_never_lock_out_an_official_who_typed_nothing_wrong(official):
    """25 failed logins with invented names from the town hall's address (over its limit of
    20): the official at the next desk still signs in from that address."""
    guesser = Visitor(OFFICE)
    assert PER_ADDRESS < 25
    statuses = [guesser.fail(f"ghost{n}", 1)[0] for n in range(25)]
    # From the address's limit on, each name's failure locks that name (its page says so).
    assert statuses == [200] * (PER_ADDRESS - 1) + [429] * (26 - PER_ADDRESS)
    colleague = Visitor(OFFICE)
    assert colleague.log_in(official.username, PASSWORD).status_code == 302
    assert colleague.is_logged_in()


def test_over_its_limit_an_address_gets_one_try_per_username(official, planner):
    guesser = Visitor(OFFICE)
    for n in range(PER_ADDRESS - 1):  # one failure per name: no name reaches its own limit
        assert guesser.fail(f"guess.{n}", 1) == [200]
    assert guesser.fail("guess.last", 1) == [429]  # the address reaches its limit
    # A name that failed from here is locked now; a new name gets a single try, which locks
    # it when it fails.
    assert guesser.fail("guess.0", 1) == [429]
    assert guesser.fail("guess.new", 1) == [429]
    assert AccessAttempt.objects.get(username="guess.new").failures_since_start == 1
    # An official who mistypes now is locked from here (and only from here)...
    typo = Visitor(OFFICE)
    assert typo.fail(official.username, 1) == [429]
    assert typo.log_in(official.username, PASSWORD).status_code == 429
    assert Visitor(HOME).log_in(official.username, PASSWORD).status_code == 302
    # ...while a colleague without a failure signs in from the same address.
    assert Visitor(OFFICE).log_in(planner.username, PASSWORD).status_code == 302


def test_a_username_under_attack_is_still_throttled_during_a_spray(official):
    attacker = Visitor(OFFICE)
    for n in range(5):
        attacker.fail(f"spray.{n}", 1)
    assert attacker.fail(official.username, LIMIT) == [200] * (LIMIT - 1) + [429]
    assert attacker.log_in(official.username, PASSWORD).status_code == 429
    assert Visitor(HOME).log_in(official.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("hops", [0, 1])
def test_a_forged_forwarded_for_does_not_escape_the_lockout(official, settings, hops):
    settings.TRUSTED_PROXY_HOPS = hops
    # Without a proxy the client connects itself; with one, the proxy (10.0.0.2) connects and
    # appends the address it saw to whatever the client sent.
    address = HOME if hops == 0 else "10.0.0.2"
    tail = "" if hops == 0 else f", {HOME}"
    attacker = Visitor(address)
    for n in range(LIMIT):
        attacker.log_in(official.username, WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}{tail}")
    response = attacker.log_in(
        official.username, PASSWORD, HTTP_X_FORWARDED_FOR=f"192.0.2.77{tail}"
    )
    assert response.status_code == 429 and alert_of(response) == CHINESE
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HOME}
    if hops == 1:  # someone else behind the same proxy is not locked out with the attacker
        other = Visitor(address, HTTP_X_FORWARDED_FOR=OFFICE)
        assert other.log_in(official.username, PASSWORD).status_code == 302


def test_an_ipv6_client_cannot_escape_by_changing_address_within_its_64(official):
    for n in range(LIMIT):
        Visitor(f"2001:db8:1:2::{n + 1:x}").fail(official.username, 1)
    assert Visitor("2001:db8:1:2:ffff::9").log_in(official.username, PASSWORD).status_code == 429
    assert Visitor("2001:db8:1:3::1").log_in(official.username, PASSWORD).status_code == 302


def test_the_login_works_again_after_the_cool_off(official):
    wang = Visitor(HOME)
    wang.fail(official.username, LIMIT)
    move_time(MINUTES - 1)
    assert wang.log_in(official.username, PASSWORD).status_code == 429
    # Refused attempts do not prolong the lockout: it ends MINUTES after the last failure.
    move_time(1.05)
    response = wang.log_in(official.username, PASSWORD)
    assert response.status_code == 302 and wang.is_logged_in()


def test_rows_older_than_the_cool_off_are_deleted_at_the_next_login(official):
    Visitor(HOME).fail(official.username, LIMIT)
    Visitor(OFFICE).fail("guess.one", 1)
    move_time(MINUTES + 1)
    assert Visitor("192.0.2.1").log_in(official.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_the_job_worker_deletes_rows_past_their_cool_off_every_hour(official):
    from planportal.tasks import forget_login_failures

    Visitor(HOME).fail(official.username, 2)
    move_time(MINUTES + 1)
    Visitor(OFFICE).fail("guess.two", 1)

    forget_login_failures(timestamp=0)

    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["guess.two"]


def test_the_lockout_is_audited_once_without_password_or_address(official, new_audit_events):
    wang = Visitor(HOME, HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Throttle/1.0")
    wang.fail(official.username, LIMIT)
    wang.fail(official.username, 2)
    wang.log_in(official.username, PASSWORD)
    events = list(new_audit_events())
    assert len(events) == 1
    event = events[0]
    assert (event.action, event.object_type) == ("login.locked_out", "auth.user")
    assert event.object_id == str(official.pk) and event.actor is None
    assert event.after["rules"] == ["username_and_address"]
    assert event.after["failures_by_username"] == LIMIT
    assert event.after["address_key"] == client_key(HOME)
    stored = json.dumps([event.summary, event.before, event.after], ensure_ascii=False)
    for secret in (WRONG, PASSWORD, HOME, "Mozilla"):
        assert secret not in stored


def test_a_lockout_of_an_unknown_username_keeps_only_a_keyed_hash_of_it(new_audit_events):
    typed = "Perhaps-A-Password-Typed-Here"
    Visitor(HOME).fail(typed, LIMIT)
    (event,) = new_audit_events()
    assert event.object_type == "axes.accessattempt"
    assert event.after["username"] is None and len(event.after["username_key"]) == 64
    assert typed not in json.dumps([event.summary, event.after])


def test_axes_keeps_no_user_agent_no_password_and_no_access_log(official):
    wang = Visitor(HOME, HTTP_USER_AGENT="Mozilla/5.0 Throttle-Test")
    wang.fail(official.username, 2)
    attempt = AccessAttempt.objects.get()
    assert attempt.user_agent == "" and attempt.failures_since_start == 2
    assert WRONG not in attempt.post_data
    assert "csrfmiddlewaretoken=********************" in attempt.post_data
    assert wang.log_in(official.username, PASSWORD).status_code == 302
    assert not AccessLog.objects.exists() and not AccessFailureLog.objects.exists()


def test_the_unlock_commands_lift_a_lockout(official):
    Visitor(HOME).fail(official.username, LIMIT)
    out = StringIO()
    call_command("axes_reset_username", official.username, stdout=out)
    assert "1 attempts removed" in out.getvalue()
    assert Visitor(HOME).log_in(official.username, PASSWORD).status_code == 302

    guesser = Visitor(OFFICE)
    for n in range(PER_ADDRESS):
        guesser.fail(f"guess.{n}", 1)
    guesser.fail(official.username, 1)  # over the address's limit: one failure locks the name
    assert Visitor(OFFICE).log_in(official.username, PASSWORD).status_code == 429
    call_command("axes_reset_ip", OFFICE, stdout=StringIO())
    assert Visitor(OFFICE).log_in(official.username, PASSWORD).status_code == 302


def test_the_message_is_in_english_under_en(official):
    visitor = Visitor(HOME, url="/en/staff/login/")
    statuses = visitor.fail(official.username, LIMIT)
    response = visitor.log_in(official.username, PASSWORD)
    assert statuses[-1] == 429 and response.status_code == 429
    assert alert_of(response) == ENGLISH
    assert 'lang="en"' in response.content.decode()


def test_the_admin_login_is_throttled_the_same_way(official):
    admin = Visitor(HOME, url="/admin/login/")
    assert admin.fail(official.username, LIMIT)[-1] == 429
    response = admin.log_in(official.username, PASSWORD)
    assert response.status_code == 429 and alert_of(response) == CHINESE
    assert 'id="login-form"' in response.content.decode() and not admin.is_logged_in()


def test_limits_that_contradict_each_other_stop_the_start_with_a_clear_message():
    result = manage("check", env={"LOGIN_FAILURE_LIMIT": "30"})
    assert result.returncode != 0
    assert "at most LOGIN_FAILURE_LIMIT_PER_ADDRESS" in result.stderr
