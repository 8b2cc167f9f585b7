"""What the page of a version's changes shows: the text diff (planportal/textdiff) of the two
versions, their indicators and figures compared, and per layer the diff of the revisions each
version recorded (layers/versions.py), with the map of one layer's changes."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from front.version_context import version_context
from layers.models import Layer, LayerRevision
from layers.revisions.diff_map import diff_feature_collection, diff_map_config
from layers.revisions.status import cached_diff
from layers.versions import LayerChange, layer_changes, recorded_revision
from planportal.loader import stored_text
from planportal.models import Plan, PlanVersion
from planportal.textdiff import TextDiff, diff_texts
from planportal.version_compare import figure_changes, indicator_changes, previous_published
from planportal.versions import version_of


class BadComparison(Exception):
    """The version asked to compare with is not one that can be compared (400 with this
    message on the page and in the API)."""


def compared_version(plan: Plan, version: PlanVersion, against: str | None) -> PlanVersion | None:
    """``?against=<m>``: published version m of the plan; without it the published version
    before ``version`` (None for the first)."""
    if against is None or against == "":
        return previous_published(version)
    if not against.isdigit():
        raise BadComparison(_("“against” must be the number of a published version of this plan."))
    number = int(against)
    if number == version.number:
        raise BadComparison(_("A version cannot be compared with itself."))
    other = version_of(plan, number, public=True)
    if other is None:
        raise BadComparison(
            _("Version %(number)s of this plan does not exist or is not published.")
            % {"number": number}
        )
    return other


def text_diff(old: PlanVersion, new: PlanVersion) -> TextDiff:
    return diff_texts(stored_text(old), stored_text(new))


def changes_context(request, plan: Plan, version: PlanVersion, against: str | None) -> dict:
    old = compared_version(plan, version, against)
    context = {"plan": plan, "version": version, "old_version": old}
    context.update(version_context(plan, version, banner=True))
    if old is None:
        return context
    diff = text_diff(old, version)
    layers = layer_changes(old, version)
    for change in layers:
        change.map_url = _layer_map_url(plan, version, old, change)
    context.update(
        {
            "diff": diff,
            "totals": diff.totals,
            "indicator_changes": indicator_changes(old, version),
            "figure_changes": figure_changes(old, version),
            "layer_changes": layers,
        }
    )
    return context


def _layer_map_url(plan, version, old, change: LayerChange) -> str | None:
    """The public map of a layer's changes: for a layer the newer version shows with another
    revision, whose coordinates are public (a tiles-only or generalised layer gives none)."""
    if change.new_revision is None or change.status == "unchanged":
        return None
    if not change.layer.allows_features:
        return None
    path = reverse(
        "plan-version-layer-map", args=[plan.slug, version.number, change.layer.collection_id]
    )
    return f"{path}?against={old.number}"


@dataclass
class LayerComparison:
    old_version: PlanVersion
    layer: Layer
    old_revision: LayerRevision | None
    new_revision: LayerRevision

    def diff(self):
        return cached_diff(self.layer, self.new_revision, self.old_revision, detail_limit=0)

    def feature_collection(self) -> dict:
        return diff_feature_collection(self.layer, self.new_revision, self.old_revision)


def layer_comparison(plan, version, against, collection_id: str) -> LayerComparison:
    """One layer between the versions: it must be recorded by the newer version with a
    revision other than the older one's."""
    old = compared_version(plan, version, against)
    layers = Layer.objects.select_related("plan").filter(plan=plan, collection_id=collection_id)
    layer = layers.first()
    if old is None or layer is None:
        raise BadComparison(_("There is nothing to compare."))
    new_revision = recorded_revision(layer, version)
    old_revision = recorded_revision(layer, old)
    if new_revision is None or (old_revision and old_revision.pk == new_revision.pk):
        raise BadComparison(_("This layer did not change between the two versions."))
    return LayerComparison(old, layer, old_revision, new_revision)


def layer_map_context(plan, version, comparison: LayerComparison) -> dict:
    old = comparison.old_version
    path = reverse(
        "plan-version-layer-geojson",
        args=[plan.slug, version.number, comparison.layer.collection_id],
    )
    features_url = f"{path}?against={old.number}"
    return {
        "plan": plan,
        "version": version,
        "old_version": old,
        "layer": comparison.layer,
        "comparison": comparison,
        "diff": comparison.diff(),
        "drawable": comparison.layer.allows_features,
        "map_config": diff_map_config(
            comparison.layer, comparison.new_revision, comparison.old_revision, features_url
        ),
    }
