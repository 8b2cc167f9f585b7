"""Throttling of failed staff logins: the portal's parts of the django-axes set-up.

django-axes (configured under ``AXES_*`` in planportal/settings.py) watches every login made
through ``django.contrib.auth.authenticate`` with a request, i.e. /staff/login/ and the admin's
login, counts failures in the database and refuses a locked-out login before the password is
checked. This module adds what the portal needs beyond the stock database handler:

- the client address is the one every other limit of the portal counts
  (``planportal.clients.client_ip``: ``TRUSTED_PROXY_HOPS``, forged X-Forwarded-For entries
  ignored), an IPv6 client counted as its /64 as ``clients.limit_address`` does;
- two limits: ``LOGIN_FAILURE_LIMIT`` failures of one username from one address, and
  ``LOGIN_FAILURE_LIMIT_PER_ADDRESS`` failures from one address whatever the username (axes
  compares one limit with the largest of its counts, so the handler folds the second in).
  The address limit never locks the whole address: once it is reached, a username that has
  failed from that address is locked, and one that has not may still sign in. Someone
  guessing names or passwords from the town hall's network (or from anywhere, with
  ``TRUSTED_PROXY_HOPS`` wrong) gets one more try per username, while the official at the
  next desk, who has typed nothing wrong, signs in as usual;
- a successful login clears that username's failures from that address only (axes would
  delete every row that matches any lockout parameter, so one valid account could wipe the
  failures an address made against other usernames);
- the user agent is never stored;
- the failure that locks someone out, not each refused attempt after it, is written to the
  audit trail, without password, with the account when the username names one and only a
  keyed hash of the address and of an unknown username (which may be a mistyped password);
- the locked-out person sees the login page again, status 429, with a message that says the
  same whether or not the username exists.
"""

import ipaddress
import logging
import math
from dataclasses import dataclass

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from planportal.audit import record
from planportal.clients import client_ip, client_key, limit_address

log = logging.getLogger(__name__)

LOGIN_TEMPLATE = "staff/login.html"
USERNAME_KEY_SALT = "consultation.staff-login.username"
LOCKOUT_ACTION = "login.locked_out"


def client_address(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the client's address as the comment limits count it (an
    IPv6 address as the first address of its /64, so that rotating within the /64 does not
    escape a lockout). None when the address is unknown or not an address."""
    try:
        network = ipaddress.ip_network(limit_address(client_ip(request.META)))
    except ValueError:
        return None
    return str(network.network_address)


def per_address_limit() -> int:
    return int(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)


def lockout_minutes(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


@dataclass(frozen=True)
class Failures:
    """Failures within the cool-off: of this username from this address, and from this
    address whatever the username."""

    by_username: int
    by_address: int


def count_failures(request: HttpRequest, credentials: dict | None) -> Failures:
    username = get_client_username(request, credentials)
    recent = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )
    # One query for both counts: the address's rows, and among them the username's.
    totals = recent.aggregate(
        by_address=Coalesce(Sum("failures_since_start"), 0),
        by_username=Coalesce(Sum("failures_since_start", filter=Q(username=username)), 0),
    )
    return Failures(by_username=totals["by_username"], by_address=totals["by_address"])


class StaffLoginHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: axes' database handler with the portal's two limits, no user agent,
    a narrower reset on success and an audit event per lockout."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """What axes compares with ``AXES_FAILURE_LIMIT``: the username's failures from this
        address, or at least that limit once the address itself is over its own limit and
        this username has failed from it (a username without failures there is not locked
        by what other usernames did)."""
        failures = count_failures(request, credentials)
        request.login_failures = failures
        limit = get_failure_limit(request, credentials)
        if failures.by_address >= per_address_limit() and failures.by_username > 0:
            return max(failures.by_username, limit)
        return failures.by_username

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:  # nothing to count by; axes logs the call and ignores it
            return super().user_login_failed(sender, credentials, request, **kwargs)
        request.axes_user_agent = ""  # no limit uses it, so it is never stored
        # Set by the axes backend when the attempt was refused because of an earlier lockout.
        already_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request.axes_locked_out and not already_locked:
            record_lockout(request, credentials)

    def user_logged_in(self, sender, request, user, **kwargs):
        request.axes_user_agent = ""
        return super().user_logged_in(sender, request, user, **kwargs)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a successful login (``AXES_RESET_ON_SUCCESS``): that username's failures from
        that address, not every failure of the address."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count


def record_lockout(request: HttpRequest, credentials: dict | None) -> None:
    """One audit event for the failure that locked the login (the request is anonymous)."""
    username = get_client_username(request, credentials) or ""
    user_model = get_user_model()
    account = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    failures = getattr(request, "login_failures", None) or count_failures(request, credentials)
    limit = get_failure_limit(request, credentials)
    rules = []
    if failures.by_username >= limit:
        rules.append("username_and_address")
    if failures.by_address >= per_address_limit():
        rules.append("address")
    minutes = lockout_minutes(request)
    ip = request.axes_ip_address or ""
    who = f"user {account.get_username()!r}" if account else "an unknown username"
    # The account's history shows its lockouts; an unknown name has only the attempt row.
    obj = account or AccessAttempt.objects.filter(username=username, ip_address=ip or None).first()
    log.warning("staff login locked (%s) for %s from %s", "+".join(rules), who, ip or "?")
    if obj is None:
        return
    record(
        None,
        LOCKOUT_ACTION,
        obj,
        summary=(
            f"login locked for {minutes} min after {failures.by_username} failures for {who} "
            f"and {failures.by_address} from one address"
        ),
        after={
            "rules": rules,
            "failures_by_username": failures.by_username,
            "failures_by_address": failures.by_address,
            "limit": limit,
            "limit_per_address": per_address_limit(),
            "lockout_minutes": minutes,
            "username": account.get_username() if account else None,
            "username_key": None
            if account
            else salted_hmac(USERNAME_KEY_SALT, username, algorithm="sha256").hexdigest(),
            "address_key": client_key(ip) if ip else None,
            "path": request.path[:200],
        },
    )


def lockout_message(minutes: int) -> str:
    return ngettext(
        "Too many failed login attempts. Please try again in %(minutes)d minute. "
        "If you need help, contact the system administrator.",
        "Too many failed login attempts. Please try again in %(minutes)d minutes. "
        "If you need help, contact the system administrator.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the login page the person was on (staff or admin), again,
    with a fresh form and the lockout message, status 429. The same page whether or not the
    username exists and whether or not the password was right."""
    context = dict(getattr(original_response, "context_data", None) or {})
    template = getattr(original_response, "template_name", None) or LOGIN_TEMPLATE
    form = context.get("form")
    form_class = type(form) if isinstance(form, AuthenticationForm) else AuthenticationForm
    minutes = lockout_minutes(request)
    context["form"] = form_class(
        request, initial={"username": get_client_username(request, credentials) or ""}
    )
    context["lockout_message"] = lockout_message(minutes)
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def forget_expired_failures(now=None) -> int:
    """Deletes the attempt rows whose cool-off is over, which nothing counts any more (axes
    itself only does so at someone's next login); the job worker runs it every hour."""
    threshold = (now or timezone.now()) - settings.AXES_COOLOFF_TIME
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lte=threshold).delete()
    return deleted
