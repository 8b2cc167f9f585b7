"""The planners' pages of a layer's revisions: history, one revision with its problems and its
diff against the published one (table and map), and publish / roll back with a confirmation.

Every view goes through ``planner_required``: anonymous visitors are sent to the staff login,
signed-in users outside the group ``planners`` (and not superusers) get 403. Forms post with
Django's CSRF token; the state change is publishing.py, which locks the layer, refuses a publish
when someone else published since the page was shown (the form carries the revision the
planner saw as published) and writes the audit event.

The map of a diff reads its geometries from ``revision_diff_geojson``, a planners-only JSON
answer: it may hold coordinates of tiles-only layers, which never reach the public this way.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from layers.crosscheck import acknowledgement_needed, map_config, revision_report
from layers.models import Layer, LayerRevision, RevisionStatus
from layers.revisions.diff_map import diff_feature_collection, diff_map_config
from layers.revisions.gate import missing_message, missing_settings
from layers.revisions.publishing import (
    NotPublishable,
    PublishConflict,
    ever_published,
    publish_revision,
    roll_back,
)
from layers.revisions.status import cached_diff, extent_bbox, problem_total, rendered_problems
from planportal.roles import planner_required, require_layers_right

PAGE_DETAIL_LIMIT = 500  # changed features listed in the table (the counts are complete)
HISTORY_LIMIT = 200


def _layer(user, collection_id: str) -> Layer:
    """The layer, for a planner of its plan (403 for others)."""
    layer = get_object_or_404(
        Layer.objects.select_related("plan", "published_revision"), collection_id=collection_id
    )
    require_layers_right(user, layer.plan)
    return layer


def _revision(layer: Layer, number: int) -> LayerRevision:
    return get_object_or_404(
        LayerRevision.objects.select_related("created_by"), layer=layer, number=number
    )


def _against(request, layer: Layer, revision: LayerRevision) -> LayerRevision | None:
    """The revision to compare with: ``?against=N``; else the published one, or for the
    published revision itself the one published before it (what its publishing changed)."""
    chosen = request.GET.get("against", "")
    if chosen.isdigit():
        return _revision(layer, int(chosen))
    if chosen:
        raise Http404("No such revision.")
    if layer.published_revision_id != revision.pk:
        return layer.published_revision
    published = ever_published(layer)
    earlier = [n for n, when in published.items() if n != revision.number and when is not None]
    if not earlier:
        return layer.published_revision
    latest = max(earlier, key=lambda number: published[number])
    return _revision(layer, latest)


def _action_for(layer: Layer, revision: LayerRevision) -> str | None:
    """What the planner may do with the revision: "publish", "rollback" or nothing."""
    current = layer.published_revision
    if revision.status != RevisionStatus.READY or (current and current.pk == revision.pk):
        return None
    return "rollback" if current and revision.number < current.number else "publish"


@require_GET
@planner_required
def revision_history(request, collection_id: str):
    layer = _layer(request.user, collection_id)
    published = ever_published(layer)
    revisions = layer.revisions.select_related("created_by").order_by("-number")[:HISTORY_LIMIT]
    rows = [
        {
            "revision": revision,
            "problem_count": problem_total(revision.problems),
            "extent": extent_bbox(revision),
            "is_published": revision.pk == layer.published_revision_id,
            "was_published": revision.number in published,
            "action": _action_for(layer, revision),
        }
        for revision in revisions
    ]
    context = {"layer": layer, "rows": rows, "missing_message": _gate_message(layer)}
    return render(request, "layers/staff/revisions.html", context)


def _gate_message(layer: Layer) -> str:
    """What the publish gate still asks for, as a sentence ("" when nothing)."""
    missing = missing_settings(layer)
    return missing_message(missing) if missing else ""


@require_GET
@planner_required
def revision_detail(request, collection_id: str, number: int):
    layer = _layer(request.user, collection_id)
    revision = _revision(layer, number)
    against = _against(request, layer, revision)
    diff = cached_diff(layer, revision, against, detail_limit=PAGE_DETAIL_LIMIT)
    geojson_url = reverse("layer-revision-diff-geojson", args=[collection_id, number])
    if against is not None:
        geojson_url += f"?against={against.number}"
    map_config = diff_map_config(layer, revision, against, geojson_url)
    context = {
        "layer": layer,
        "revision": revision,
        "against": against,
        "diff": diff,
        "problems": rendered_problems(revision.problems),
        "problem_count": problem_total(revision.problems),
        "action": _action_for(layer, revision),
        "others": layer.revisions.order_by("-number")[:HISTORY_LIMIT],
        "map_config": map_config,
        **_crosscheck_context(layer, revision),
    }
    return render(request, "layers/staff/revisions_detail.html", context)


def _crosscheck_context(layer: Layer, revision: LayerRevision) -> dict:
    """The checks across layers of a revision of a control line or of the township extent
    against the other layers' published revisions (layers/crosscheck.py)."""
    report = revision_report(layer, revision) if revision.status == RevisionStatus.READY else {}
    return {"crosscheck": report, "crosscheck_map": map_config(layer.plan, report)}


@require_GET
@planner_required
def revision_diff_geojson(request, collection_id: str, number: int):
    """The added (green), removed (red) and changed (orange, new shape) features as GeoJSON,
    up to MAP_LIMIT_PER_KIND of each kind. Planners only: it holds coordinates."""
    layer = _layer(request.user, collection_id)
    revision = _revision(layer, number)
    against = _against(request, layer, revision)
    return JsonResponse(
        diff_feature_collection(layer, revision, against),
        json_dumps_params={"ensure_ascii": False},
    )


@require_http_methods(["GET", "POST"])
@planner_required
def revision_publish(request, collection_id: str, number: int):
    return _confirm_and_switch(request, collection_id, number, rollback=False)


@require_http_methods(["GET", "POST"])
@planner_required
def revision_rollback(request, collection_id: str, number: int):
    return _confirm_and_switch(request, collection_id, number, rollback=True)


def _confirm_and_switch(request, collection_id: str, number: int, *, rollback: bool):
    """GET: the confirmation (what will change); POST: publish or roll back."""
    layer = _layer(request.user, collection_id)
    revision = _revision(layer, number)
    error, status = "", 200
    if request.method == "POST":
        expected = _expected_current(request.POST.get("expected_current"))
        if expected is None:
            return HttpResponseBadRequest(_("The form is incomplete; open it again."))
        switch = roll_back if rollback else publish_revision
        acknowledged = request.POST.get("acknowledge_overlaps") == "1"
        try:
            if (
                not rollback
                and not acknowledged
                and revision_report(layer, revision).get("warnings")
            ):
                raise NotPublishable(acknowledgement_needed())
            switch(layer, revision, actor=request.user, expected_current=expected.value)
        except PublishConflict as conflict:
            error, status = str(conflict), 409
        except NotPublishable as refused:
            error, status = str(refused), 400
        else:
            if rollback:
                text = _("Rolled back: revision %(number)s is published again.")
            else:
                text = _("Revision %(number)s is now published.")
            messages.success(request, text % {"number": revision.number})
            return redirect("layer-revisions", collection_id=layer.collection_id)
        layer = _layer(request.user, collection_id)  # show what is published now
    current = layer.published_revision
    diff = cached_diff(layer, revision, current, detail_limit=0)
    context = {
        "layer": layer,
        "revision": revision,
        "current": current,
        "diff": diff,
        "rollback": rollback,
        "error": error,
        "missing_message": _gate_message(layer),
        "allowed": _action_for(layer, revision) == ("rollback" if rollback else "publish")
        and not missing_settings(layer),
        **({} if rollback else _crosscheck_context(layer, revision)),
    }
    return render(request, "layers/staff/revisions_confirm.html", context, status=status)


class _Expected:
    def __init__(self, value):
        self.value = value


def _expected_current(text: str | None) -> _Expected | None:
    """The form's hidden "expected_current": "" means nothing was published, a number that
    revision; a missing or garbled field is an incomplete form (None)."""
    if text is None:
        return None
    text = text.strip()
    if text == "":
        return _Expected(None)
    return _Expected(int(text)) if text.isdigit() else None
