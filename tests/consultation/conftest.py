"""Fixtures of the consultation tests."""

import pytest
from django.db.models import Max

from planportal.models import AuditEvent


@pytest.fixture
def new_audit_events(db):
    """The audit events written during this test. Live-server tests commit events earlier in
    the session, and the append-only trail can never be emptied, so counts start here."""
    baseline = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    return lambda: AuditEvent.objects.filter(pk__gt=baseline)
