"""Publishing and rolling back (layers/revisions/publishing.py): a pointer switch under a row
lock that refuses when someone else published since the caller looked, and an audit event for
each."""

import pytest
from django.utils.translation import gettext

from layers.models import Layer, RevisionStatus
from layers.revisions.publishing import (
    NotPublishable,
    PublishConflict,
    ever_published,
    publish_revision,
    roll_back,
)
from planportal.models import AuditEvent
from tests.factories import audit_baseline, make_layer
from tests.layers.revisions.revision_helpers import five_parcels, revision_from


def publish_events(after_pk: int):
    return AuditEvent.objects.filter(
        pk__gt=after_pk, action__in=["layer.publish", "layer.rollback"]
    ).order_by("pk")


def test_publishing_moves_the_pointer_and_records_who_and_which_revisions(known_pair, planner):
    layer, first, second = known_pair
    baseline = audit_baseline()
    outcome = publish_revision(layer, second, actor=planner, expected_current=1)
    assert outcome.changed and outcome.action == "layer.publish"
    assert outcome.previous == first and outcome.revision == second
    assert Layer.objects.get(pk=layer.pk).published_revision == second
    [event] = publish_events(baseline)
    assert event.action == "layer.publish" and event.actor == planner
    assert event.object_type == "layers.layer" and event.object_id == str(layer.pk)
    assert event.before["revision"] == 1 and event.after["revision"] == 2


def test_rolling_back_publishes_the_earlier_revision_and_is_recorded_as_a_rollback(
    known_pair, planner
):
    layer, first, second = known_pair
    publish_revision(layer, second, actor=planner, expected_current=1)
    baseline = audit_baseline()
    outcome = roll_back(layer, first, actor=planner, expected_current=2)
    assert outcome.action == "layer.rollback" and outcome.previous == second
    assert Layer.objects.get(pk=layer.pk).published_revision == first
    [event] = publish_events(baseline)
    assert (event.action, event.before["revision"], event.after["revision"]) == (
        "layer.rollback",
        2,
        1,
    )


def test_a_rollback_needs_a_revision_older_than_the_published_one(known_pair, planner):
    layer, first, second = known_pair
    baseline = audit_baseline()
    with pytest.raises(NotPublishable):
        roll_back(layer, second, actor=planner)
    assert Layer.objects.get(pk=layer.pk).published_revision == first
    assert not publish_events(baseline).exists()


def test_a_publish_based_on_a_stale_view_is_refused_with_the_winners_number(known_pair, planner):
    layer, first, second = known_pair
    publish_revision(layer, second, actor=planner, expected_current=1)
    baseline = audit_baseline()
    # Another planner's page still shows revision 1 as the published one.
    with pytest.raises(PublishConflict) as refused:
        publish_revision(layer, first, actor=planner, expected_current=1)
    assert refused.value.current == 2
    # "已被他人发布第 2 版" once the catalogue has the translation.
    message = gettext("Someone else has published revision %(number)s meanwhile.")
    assert str(refused.value) == message % {"number": 2}
    assert Layer.objects.get(pk=layer.pk).published_revision == second
    assert not publish_events(baseline).exists()


def test_expecting_nothing_published_conflicts_with_a_published_layer(known_pair, planner):
    layer, _first, second = known_pair
    with pytest.raises(PublishConflict):
        publish_revision(layer, second, actor=planner, expected_current=None)


def test_publishing_the_published_revision_again_changes_and_records_nothing(known_pair, planner):
    layer, first, _second = known_pair
    baseline = audit_baseline()
    outcome = publish_revision(layer, first, actor=planner, expected_current=1)
    assert not outcome.changed and outcome.event is None
    assert not publish_events(baseline).exists()


def test_a_revision_that_is_not_ready_cannot_be_published(known_pair, planner):
    layer, first, second = known_pair
    second.status = RevisionStatus.FAILED
    second.save(update_fields=["status"])
    with pytest.raises(NotPublishable):
        publish_revision(layer, second, actor=planner)
    assert Layer.objects.get(pk=layer.pk).published_revision == first


def test_a_layer_cannot_publish_another_layers_revision(known_pair, planner, demo_plan, tmp_path):
    layer, _first, _second = known_pair
    other = revision_from(
        make_layer(demo_plan, "publish-other", title="其他"),
        five_parcels(),
        tmp_path / "other",
    )
    with pytest.raises(NotPublishable):
        publish_revision(layer, other, actor=planner)


def test_layer_publish_is_the_same_step_with_its_audit_event(known_pair, planner):
    layer, _first, second = known_pair
    baseline = audit_baseline()
    publish_revision(layer, second, actor=planner)
    assert layer.published_revision == second
    assert publish_events(baseline).get().actor == planner


def test_the_revisions_ever_published_are_read_from_the_audit_trail(known_pair, planner):
    layer, first, second = known_pair
    assert set(ever_published(layer)) == {1}
    publish_revision(layer, second, actor=planner)
    roll_back(layer, first, actor=planner)
    published = ever_published(Layer.objects.get(pk=layer.pk))
    assert set(published) == {1, 2}
    assert all(when is not None for when in published.values())
