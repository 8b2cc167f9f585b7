"""The history tables are append-only in PostgreSQL, as the AuditEvent table is: the
application's own role can neither change, delete nor truncate a recorded event, whether by
the ORM or raw SQL, and the pgtrigger switch that turns pgtrigger's triggers off does not
turn these off."""

import pytest
from django.db import DatabaseError, connection, transaction

from planportal.models import Section
from trail.models import ACCOUNT_EVENT_MODELS, PLAN_EVENT_MODELS

pytestmark = pytest.mark.django_db

# The application's role has no right to it (planportal/db_roles.py); the triggers refuse
# even the owner (tests/planportal/test_audit_role.py).
REFUSED = "permission denied|append-only"

EVENT_MODELS = [*PLAN_EVENT_MODELS.values(), *ACCOUNT_EVENT_MODELS.values()]


@pytest.fixture
def section_event(draft):
    section = Section.objects.filter(chapter__version=draft).first()
    section.title = "总体格局（修改）"
    section.save()
    return PLAN_EVENT_MODELS["section"].objects.filter(pgh_obj_id=section.pk).latest("pgh_id")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trail_sectionevent SET title = 'rewritten' WHERE pgh_id = %s",
        "DELETE FROM trail_sectionevent WHERE pgh_id = %s",
    ],
)
def test_postgresql_refuses_to_change_or_delete_a_history_row(section_event, statement):
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [section_event.pgh_id])
    stored = type(section_event).objects.get(pgh_id=section_event.pgh_id)
    assert stored.title == "总体格局（修改）"


def test_the_pgtrigger_ignore_switch_does_not_open_the_table(section_event):
    name = "trail_sectionevent_no_update_delete"
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + name + "}"])
        cursor.execute("DELETE FROM trail_sectionevent WHERE pgh_id = %s", [section_event.pgh_id])


def test_postgresql_refuses_to_truncate_a_history_table(section_event):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE trail_sectionevent")
    assert type(section_event).objects.filter(pgh_id=section_event.pgh_id).exists()


def test_the_orm_cannot_edit_or_delete_a_history_row_either(section_event):
    section_event.title = "rewritten"
    with pytest.raises(DatabaseError), transaction.atomic():
        section_event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        type(section_event).objects.filter(pgh_id=section_event.pgh_id).delete()


def test_every_history_table_has_both_refusing_triggers(db):
    """A new event model needs its triggers in a migration (trail/migrations/0002)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE p.proname = 'planportal_audit_forbid_change' AND c.relname LIKE 'trail_%%'"
        )
        installed = set(cursor.fetchall())
    for model in EVENT_MODELS:
        table = model._meta.db_table
        assert (table, f"{table}_no_update_delete") in installed
        assert (table, f"{table}_no_truncate") in installed
