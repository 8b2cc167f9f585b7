"""layers/versions.py: a published plan version records the layer revisions it shows, layers
follow the sections of the version residents read, and the diff of two versions' layers."""

import pytest

from layers.models import Layer, VersionLayer
from layers.revisions.publishing import publish_revision
from layers.versions import layer_changes
from planportal.change_list import refresh_changes
from planportal.models import ChangeKind, Section, VersionKind
from planportal.versions import new_draft, publish_version
from tests.factories import SOUTH, WEST, add_revision, make_layer, square
from tests.version_builders import layer_id, publish_first_version, two_versions

pytestmark = pytest.mark.django_db


def recorded(version) -> dict[str, int]:
    rows = VersionLayer.objects.filter(version=version).select_related("layer", "revision")
    return {row.layer.collection_id: row.revision.number for row in rows}


def test_each_published_version_records_the_revisions_it_showed():
    versions = two_versions()
    collection = versions.layer.collection_id
    assert recorded(versions.v1) == {collection: 1}
    assert recorded(versions.v2) == {collection: 2}


def test_a_layer_without_a_published_revision_or_its_settings_is_not_recorded():
    plan = publish_first_version()
    make_layer(plan, "unpublished-layer", shapes=[square(WEST, SOUTH, 0.01)], published=False)
    no_note = make_layer(plan, "no-note-layer", shapes=[square(WEST, SOUTH, 0.01)])
    Layer.objects.filter(pk=no_note.pk).update(publication_note="")  # as before the gate
    publish_version(new_draft(plan))
    assert recorded(plan.versions.get(number=2)) == {layer_id(plan.slug): 1}


def test_a_draft_records_nothing_and_a_published_record_stays_when_the_layer_moves_on():
    versions = two_versions()
    draft = new_draft(versions.plan)
    assert recorded(draft) == {}
    publish_revision(versions.layer, add_revision(versions.layer, [square(WEST, SOUTH, 0.02)]))
    assert recorded(versions.v2) == {versions.layer.collection_id: 2}


def test_layers_follow_the_sections_of_the_new_current_version():
    versions = two_versions()
    layer = Layer.objects.get(pk=versions.layer.pk)
    assert layer.section.chapter.version_id == versions.v2.pk
    assert layer.section.number == "3.1"
    assert layer.chapter.version_id == versions.v2.pk
    # The layer stays public and its section link reads the current text.
    assert Layer.objects.public().filter(pk=layer.pk).exists()


def test_a_version_published_after_the_approved_one_does_not_move_the_layers():
    versions = two_versions()
    approved = publish_version(new_draft(versions.plan, kind=VersionKind.APPROVED))
    section = Layer.objects.get(pk=versions.layer.pk).section
    assert section.chapter.version_id == approved.pk
    later = publish_version(new_draft(versions.plan, kind=VersionKind.REVISED))
    layer = Layer.objects.get(pk=versions.layer.pk)
    assert layer.section_id == section.pk  # the approved version is still the current one
    assert recorded(later) == {versions.layer.collection_id: 2}


def test_a_section_number_the_new_version_lacks_keeps_the_old_pointer():
    plan = publish_first_version()
    layer = Layer.objects.get(collection_id=layer_id(plan.slug))
    old_section = layer.section
    draft = new_draft(plan)
    Section.objects.filter(chapter__version=draft, number=old_section.number).delete()
    publish_version(draft)
    assert Layer.objects.get(pk=layer.pk).section_id == old_section.pk


def test_the_changes_of_two_versions_layers():
    versions = two_versions()
    [change] = layer_changes(versions.v1, versions.v2)
    assert change.status == "changed"
    assert (change.diff.added, change.diff.removed, change.diff.changed) == (1, 0, 0)
    assert change.diff.area_ha_after > change.diff.area_ha_before
    [same] = layer_changes(versions.v2, versions.v2)
    assert same.status == "unchanged" and same.diff is None
    [backwards] = layer_changes(versions.v2, versions.v1)
    assert (backwards.diff.added, backwards.diff.removed) == (0, 1)


def test_a_layer_only_one_version_shows_is_added_or_removed():
    plan = publish_first_version()
    v1 = plan.versions.get(number=1)
    make_layer(plan, "new-layer", shapes=[square(WEST, SOUTH, 0.01)])
    v2 = publish_version(new_draft(plan))
    statuses = {c.layer.collection_id: c.status for c in layer_changes(v1, v2)}
    assert statuses == {layer_id(plan.slug): "unchanged", "new-layer": "added"}
    statuses = {c.layer.collection_id: c.status for c in layer_changes(v2, v1)}
    assert statuses["new-layer"] == "removed"


def test_a_drafts_change_list_names_the_layers_whose_revision_changed():
    """The 修改说明 lists a map change as well as a text change, so an answer can point at it;
    a change that is undone before publication leaves the list again."""
    plan = publish_first_version()
    layer = Layer.objects.get(collection_id=layer_id(plan.slug))
    draft = new_draft(plan)
    refresh_changes(draft)
    assert not draft.changes.filter(kind=ChangeKind.LAYER).exists()

    first = layer.published_revision
    publish_revision(layer, add_revision(layer, [square(WEST, SOUTH, 0.02)]))
    refresh_changes(draft)
    change = draft.changes.get(kind=ChangeKind.LAYER)
    assert change.key == f"layer:{layer.collection_id}"
    assert change.subject == layer.title
    assert "新增 1 个、删除 1 个" in change.summary and "公顷" in change.summary

    publish_revision(layer, first)  # rolled back before the version goes out
    refresh_changes(draft)
    assert not draft.changes.filter(kind=ChangeKind.LAYER).exists()
