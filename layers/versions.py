"""The layers of a plan version: which layer revision each published version shows, and what
changed on the map between two published versions.

- ``record_version_layers`` receives ``planportal.versions.version_published`` (connected in
  LayersConfig.ready()): inside the publishing transaction it writes a ``VersionLayer`` row
  for every layer the public would see with the version (published, with the publish gate's
  settings) and, when the version becomes the one residents read, points the plan's layers at
  the same-numbered section and chapter of the new version.
- ``layer_changes(old, new)``: per layer, the revision diff (layers/revisions/status.py) of
  the revisions the two versions recorded. Only rows of published versions exist, so nothing
  here can show a revision no version published.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext

from layers.ingest import RevisionDiff
from layers.models import Layer, LayerRevision, VersionLayer
from layers.revisions.status import cached_diff
from planportal.change_list import add_change, drop_changes
from planportal.models import (
    ChangeKind,
    Chapter,
    PlanVersion,
    Section,
    VersionKind,
    VersionState,
)

# The diff of a version page lists counts and areas only; the public map asks for ids itself.
NO_DETAIL = 0


def layers_a_version_shows(version: PlanVersion):
    """The layers the version records when it is published: those the public would see."""
    # The plan's own publication flag is not asked: publishing a plan for the first time
    # publishes its version 1 before the plan is shown (plans.publish_plan), and that version
    # must record the layers it went out with.
    return Layer.objects.filter(
        plan_id=version.plan_id, published_revision__isnull=False
    ).with_publication_settings()


def record_version_layers(sender, version: PlanVersion, actor=None, **kwargs) -> None:
    layers = layers_a_version_shows(version)
    VersionLayer.objects.bulk_create(
        [
            VersionLayer(version=version, layer=layer, revision_id=layer.published_revision_id)
            for layer in layers
        ],
        ignore_conflicts=True,
    )
    if _becomes_current(version):
        remap_layer_sections(version)


def _becomes_current(version: PlanVersion) -> bool:
    """Whether residents read ``version`` once it is published: it is approved, or no approved
    version is published (the signal comes before the state changes: the newest published
    version is the one being published)."""
    if version.kind == VersionKind.APPROVED:
        return True
    return not version.plan.versions.filter(
        kind=VersionKind.APPROVED, state=VersionState.PUBLISHED
    ).exists()


def remap_layer_sections(version: PlanVersion) -> int:
    """Points layers whose section or chapter lies in another version of the plan at the
    same-numbered section / chapter of ``version``; a number the version no longer has keeps
    its old pointer (the layer stays public, its section link reads the older text). Returns
    how many layers moved."""
    sections = {s.number: s for s in Section.objects.filter(chapter__version=version)}
    chapters = {c.number: c for c in Chapter.objects.filter(version=version)}
    outside = Q(section__isnull=False) & ~Q(section__chapter__version=version)
    outside |= Q(chapter__isnull=False) & ~Q(chapter__version=version)
    moved = 0
    layers = Layer.objects.filter(outside, plan_id=version.plan_id)
    for layer in layers.select_related("section", "chapter"):
        fields = []
        if layer.section and layer.section.number in sections:
            new_section = sections[layer.section.number]
            if new_section.pk != layer.section_id:
                layer.section = new_section
                fields.append("section")
        if layer.chapter and layer.chapter.number in chapters:
            new_chapter = chapters[layer.chapter.number]
            if new_chapter.pk != layer.chapter_id:
                layer.chapter = new_chapter
                fields.append("chapter")
        if fields:
            layer.save(update_fields=fields)
            moved += 1
    return moved


@dataclass
class LayerChange:
    """One layer between two versions: ``status`` is "changed", "unchanged", "added" (only
    the newer version shows it) or "removed" (only the older one)."""

    layer: Layer
    old_revision: LayerRevision | None
    new_revision: LayerRevision | None
    diff: RevisionDiff | None

    @property
    def status(self) -> str:
        if self.old_revision is None:
            return "added"
        if self.new_revision is None:
            return "removed"
        return "unchanged" if self.old_revision.pk == self.new_revision.pk else "changed"

    def as_dict(self) -> dict:
        diff = self.diff
        return {
            "collection_id": self.layer.collection_id,
            "title": self.layer.title,
            "status": self.status,
            "old_revision": self.old_revision.number if self.old_revision else None,
            "new_revision": self.new_revision.number if self.new_revision else None,
            "added": diff.added if diff else None,
            "removed": diff.removed if diff else None,
            "changed": diff.changed if diff else None,
            "unchanged": diff.unchanged if diff else None,
            "area_ha_before": diff.area_ha_before if diff else None,
            "area_ha_after": diff.area_ha_after if diff else None,
            "area_srid": diff.area_srid if diff else None,
        }


def version_layers(version: PlanVersion) -> list[VersionLayer]:
    return list(
        VersionLayer.objects.filter(version=version).select_related(
            "layer__plan", "revision", "layer__section"
        )
    )


def recorded_revision(layer: Layer, version: PlanVersion) -> LayerRevision | None:
    row = VersionLayer.objects.filter(layer=layer, version=version).select_related("revision")
    row = row.first()
    return row.revision if row else None


def layer_changes(old: PlanVersion, new: PlanVersion) -> list[LayerChange]:
    """Every layer either version recorded, in the newer version's order, then the removed
    ones; the diff is worked out (and cached) for a layer whose revision differs."""
    before = {row.layer_id: row for row in version_layers(old)}
    after = version_layers(new)
    changes = []
    for row in after:
        previous = before.pop(row.layer_id, None)
        old_revision = previous.revision if previous else None
        changes.append(_change(row.layer, old_revision, row.revision))
    for row in before.values():
        changes.append(_change(row.layer, row.revision, None))
    return changes


def _change(layer, old_revision, new_revision) -> LayerChange:
    diff = None
    if new_revision is not None and (old_revision is None or old_revision.pk != new_revision.pk):
        diff = cached_diff(layer, new_revision, old_revision, detail_limit=NO_DETAIL)
    return LayerChange(layer, old_revision, new_revision, diff)


def list_layer_changes(sender, version: PlanVersion, base, actor=None, **kwargs) -> None:
    """The layer rows of a draft's change list (修改说明), on planportal.change_list's
    ``changes_refreshed``: one per layer whose revision the draft would record differs from
    the one ``base`` recorded (added, changed or removed), so that an answer can point at a
    change of the map as well as of the text."""
    before = {row.layer_id: row for row in version_layers(base)} if base else {}
    keep = set()
    for layer in layers_a_version_shows(version).select_related("published_revision"):
        previous = before.pop(layer.pk, None)
        old_revision = previous.revision if previous else None
        if old_revision is not None and old_revision.pk == layer.published_revision_id:
            continue
        keep.add(_list_layer(version, _change(layer, old_revision, layer.published_revision)))
    for row in before.values():
        keep.add(_list_layer(version, _change(row.layer, row.revision, None)))
    drop_changes(version, ChangeKind.LAYER, keep, actor)


def _list_layer(version: PlanVersion, change: LayerChange) -> str:
    key = f"layer:{change.layer.collection_id}"
    add_change(version, ChangeKind.LAYER, key, change.layer.title, layer_summary(change))
    return key


def layer_summary(change: LayerChange) -> str:
    """图层新增 / 图层删除 / 新增 3 个、删除 1 个、修改 2 个要素；面积 12.5 → 13.1 公顷."""
    if change.status == "added":
        return gettext("Layer added")
    if change.status == "removed":
        return gettext("Layer removed")
    diff = change.diff
    text = gettext("%(added)s added, %(removed)s removed, %(changed)s changed features") % {
        "added": diff.added,
        "removed": diff.removed,
        "changed": diff.changed,
    }
    if diff.area_ha_before is not None and diff.area_ha_after is not None:
        text += gettext("; area %(before)s → %(after)s ha") % {
            "before": f"{diff.area_ha_before:.2f}",
            "after": f"{diff.area_ha_after:.2f}",
        }
    return text
