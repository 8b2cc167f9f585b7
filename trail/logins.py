"""Successful logins in the audit trail (failed ones and lockouts: planportal/staff_login.py).

A login is an event, not a change of a row, so it is an ``AuditEvent`` written from Django's
``user_logged_in`` signal (connected in TrailConfig.ready). Only logins made through a page
are written: Django's test client and other in-process sessions log in with an empty request
that nobody typed a password into.
"""

from planportal.audit import record
from planportal.clients import client_key
from planportal.staff_login import client_address

LOGIN_ACTION = "login.succeeded"


def record_login(sender, request, user, **kwargs) -> None:
    path = getattr(request, "path", "") if request is not None else ""
    if not path:
        return
    address = client_address(request)
    record(
        user,
        LOGIN_ACTION,
        user,
        summary=f"login of {user.get_username()!r} at {path[:200]}",
        after={"path": path[:200], "address_key": client_key(address) if address else None},
    )
