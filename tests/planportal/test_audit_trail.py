"""The audit trail is append-only in PostgreSQL: the application's own role cannot change it."""

import pytest
from django.db import DatabaseError, connection, transaction

from planportal.audit import record
from planportal.models import AuditEvent
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# The application's role has no right to it (planportal/db_roles.py); the triggers refuse
# even the owner (tests/planportal/test_audit_role.py).
REFUSED = "permission denied|append-only"


@pytest.fixture
def event(demo_plan):
    official = make_user("official-audit")
    return record(official, "plan.publish", demo_plan, summary="公示", after={"status": "notice"})


def test_an_event_records_who_did_what_to_which_object(event, demo_plan):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_name == "official-audit"
    assert (stored.action, stored.object_type) == ("plan.publish", "planportal.plan")
    assert stored.object_id == str(demo_plan.pk)
    assert stored.after == {"status": "notice"}
    assert stored.at is not None


def test_the_application_role_is_not_a_superuser(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone()[0] is False


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE planportal_auditevent SET summary = 'rewritten' WHERE id = %s",
        "DELETE FROM planportal_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_to_change_or_delete_an_event(event, statement):
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == "公示"


def test_postgresql_refuses_to_truncate_the_trail(event):
    with connection.cursor() as cursor:
        # Run the deferred foreign-key checks of the insert now, as a commit would.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE planportal_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_orm_cannot_edit_or_delete_an_event_either(event):
    event.summary = "rewritten"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "公示"
