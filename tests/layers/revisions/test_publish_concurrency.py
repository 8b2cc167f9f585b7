"""Two planners publish the same layer at the same time: the row lock serialises them, the first
wins and the second is told who won, with nothing changed for it.

Each planner runs in a thread of its own with its own database connection, on committed data
(the layers are made in a module fixture, committed, and deleted afterwards; the audit events
stay, as the trail is append-only).
"""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction

from layers.models import Layer
from layers.revisions.publishing import PublishConflict, publish_revision
from planportal.models import AuditEvent, Plan
from planportal.roles import PLANNERS
from tests.conftest import DEMO_SLUG
from tests.factories import audit_baseline
from tests.layers.revisions.revision_helpers import (
    five_parcels,
    layer_with_two_revisions,
    revision_from,
)

# The session must set up the test database (pytest-django only does for database tests);
# each test's own transaction does not hide the threads' commits (READ COMMITTED).
pytestmark = pytest.mark.django_db

WAIT_SECONDS = 10


def committed_planner(username: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=PLANNERS))
    return user


def committed_scene(plan, collection_id: str, folder):
    """A layer with revision 1 published and revisions 2 and 3 ready."""
    layer, first, second = layer_with_two_revisions(plan, collection_id, folder)
    third = revision_from(layer, five_parcels().iloc[:3], folder / "3", name="v3")
    return layer, (first, second, third)


@pytest.fixture(scope="module")
def scenes(django_db_setup, django_db_blocker, tmp_path_factory):
    """Committed before any test transaction begins (a module fixture is set up before the
    function-scoped database fixtures): one layer per test, and two planners."""
    with django_db_blocker.unblock():
        # Only a session with database tests has a test database: never write elsewhere.
        assert connection.settings_dict["NAME"].startswith("test_")
        plan = Plan.objects.get(slug=DEMO_SLUG)
        folder = tmp_path_factory.mktemp("race")
        scenes = {
            name: committed_scene(plan, f"publish-race-{name}", folder / name)
            for name in ("queued", "together")
        }
        planners = committed_planner("race.planner.a"), committed_planner("race.planner.b")
        try:
            yield scenes, planners
        finally:
            for layer, _revisions in scenes.values():
                Layer.objects.filter(pk=layer.pk).update(published_revision=None)
                Layer.objects.filter(pk=layer.pk).delete()


def in_thread(work, results: dict, name: str) -> threading.Thread:
    """Runs ``work`` in a thread with its own database connection, closed at the end."""

    def run():
        try:
            results[name] = work()
        except Exception as exc:  # the conflict is an expected answer here
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps the first view of pg_stat_activity; drop it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def publish_events_of(layer, after_pk: int):
    return AuditEvent.objects.filter(
        pk__gt=after_pk, object_type="layers.layer", object_id=str(layer.pk)
    )


def test_the_second_publish_waits_for_the_first_and_is_told_it_lost(scenes, django_db_blocker):
    (layer, (_first, second, third)), (alice, bob) = scenes[0]["queued"], scenes[1]
    holding, release = threading.Event(), threading.Event()
    results: dict = {}

    def alice_publishes_and_holds_her_transaction_open():
        with transaction.atomic():
            outcome = publish_revision(layer, second, actor=alice, expected_current=1)
            holding.set()
            release.wait(WAIT_SECONDS)
        return outcome

    with django_db_blocker.unblock():
        baseline = audit_baseline()
        first_thread = in_thread(alice_publishes_and_holds_her_transaction_open, results, "a")
        assert holding.wait(WAIT_SECONDS)
        second_thread = in_thread(
            lambda: publish_revision(layer, third, actor=bob, expected_current=1), results, "b"
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while waiting_on_a_lock() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Bob's publish is queued behind Alice's row lock, not running beside it.
        assert waiting_on_a_lock() >= 1 and second_thread.is_alive(), results
        release.set()
        first_thread.join(WAIT_SECONDS)
        second_thread.join(WAIT_SECONDS)

        assert results["a"].changed and results["a"].revision == second
        assert isinstance(results["b"], PublishConflict) and results["b"].current == 2
        assert Layer.objects.get(pk=layer.pk).published_revision == second
        [event] = publish_events_of(layer, baseline)
        assert event.actor == alice and event.after["revision"] == 2


def test_of_two_publishes_started_together_exactly_one_wins(scenes, django_db_blocker):
    (layer, (_first, second, third)), (alice, bob) = scenes[0]["together"], scenes[1]
    start = threading.Barrier(2, timeout=WAIT_SECONDS)
    results: dict = {}

    def publishes(revision, who):
        def work():
            start.wait()
            return publish_revision(layer, revision, actor=who, expected_current=1)

        return work

    with django_db_blocker.unblock():
        baseline = audit_baseline()
        threads = [
            in_thread(publishes(second, alice), results, "a"),
            in_thread(publishes(third, bob), results, "b"),
        ]
        for thread in threads:
            thread.join(WAIT_SECONDS)

        conflicts = [r for r in results.values() if isinstance(r, PublishConflict)]
        wins = [r for r in results.values() if not isinstance(r, Exception)]
        assert len(conflicts) == 1 and len(wins) == 1, results
        winner = wins[0].revision
        assert conflicts[0].current == winner.number
        assert Layer.objects.get(pk=layer.pk).published_revision == winner
        [event] = publish_events_of(layer, baseline)
        assert event.after["revision"] == winner.number
