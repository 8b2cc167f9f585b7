"""What a planner is told about uploads and revisions, shared by the staff pages and the API:
a job's state, problems in the reader's language, a revision's diff (computed once per pair)
and extent.

A diff is kept in the cache: revisions never change, so the key (both revision ids and the key
field) needs no purge.
"""

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext_lazy

from layers.ingest import RevisionDiff, diff_revisions, render_message
from layers.models import Layer, LayerRevision, UploadJob, UploadState

DIFF_CACHE_SECONDS = 24 * 3600


def cached_diff(
    layer: Layer,
    revision: LayerRevision,
    against: LayerRevision | None,
    *,
    detail_limit: int,
    with_ids: bool = False,
) -> RevisionDiff:
    """``diff_revisions`` of two revisions, kept in the cache under both revision ids."""
    key = (
        f"layers:revision-diff:{revision.pk}:{against.pk if against else 0}:"
        f"{layer.key_field}:{detail_limit}:{int(with_ids)}"
    )
    diff = cache.get(key)
    if diff is None:
        if against is None:
            # diff_revisions takes None for "the published one": ask for no revision at all.
            against = LayerRevision(pk=-1, number=None)
        diff = diff_revisions(
            layer, revision, against, detail_limit=detail_limit, with_ids=with_ids
        )
        cache.set(key, diff, DIFF_CACHE_SECONDS)
    return diff


def extent_bbox(revision: LayerRevision) -> list[float] | None:
    if revision.extent is None:
        return None
    return [round(v, 6) for v in revision.extent.extent]


def rendered_problems(stored: list[dict]) -> list[dict]:
    """Stored problems with their message in the reader's language."""
    shown = []
    for problem in stored or []:
        params = {"feature": problem.get("feature"), "field": problem.get("field")}
        params.update(problem.get("params") or {})
        try:
            message = render_message(problem["code"], params)
        except (KeyError, TypeError, ValueError):
            message = problem.get("message", "")
        is_error = problem.get("severity", "error") == "error"
        shown.append({**problem, "message": message, "is_error": is_error})
    return shown


def problem_counts(stored: list[dict]) -> dict[str, int]:
    """Errors and warnings, counting the problems only summed up in a "more_problems" entry."""
    counts = {"error": 0, "warning": 0}
    for problem in stored or []:
        severity = problem.get("severity", "error")
        extra = (problem.get("params") or {}).get("count", 1)
        counts[severity] = counts.get(severity, 0) + (
            int(extra) if problem.get("code") == "more_problems" else 1
        )
    return counts


def problem_total(stored: list[dict]) -> int:
    """How many problems a revision had: the listed ones plus those only counted."""
    return sum(problem_counts(stored).values())


STAGE_LABELS = {
    "reading": gettext_lazy("Reading the file"),
    "checking": gettext_lazy("Checking the features"),
    "writing": gettext_lazy("Writing the revision"),
}


def job_status(job: UploadJob) -> dict:
    """What the job page and the API show of a job, in the active language."""
    problems = rendered_problems(job.problems)
    counts = problem_counts(job.problems)
    revision = job.revision if job.state == UploadState.DONE else None
    return {
        "id": job.pk,
        "url": reverse("api-upload-job", args=[job.pk]),
        "page": reverse("staff-upload-job", args=[job.pk]),
        "collection_id": job.collection_id,
        "file": job.original_name,
        "state": job.state,
        "state_label": job.get_state_display(),
        "stage": job.stage if job.state == UploadState.RUNNING else "",
        "stage_label": STAGE_LABELS.get(job.stage, "") if job.state == UploadState.RUNNING else "",
        "percent": job.percent,
        "finished": job.is_finished,
        "errors": counts["error"],
        "warnings": counts["warning"],
        "problems": [
            {key: problem.get(key) for key in ("code", "severity", "feature", "field", "message")}
            for problem in problems
        ],
        "error": job.error,
        "interrupted": job.error == UploadJob.INTERRUPTED_ERROR,
        "revision": revision
        and {
            "number": revision.number,
            "feature_count": revision.feature_count,
            "source_crs": revision.source_crs,
            "url": revision_page_url(job.collection_id, revision.number),
        },
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }


def revision_page_url(collection_id: str, number: int) -> str:
    """The staff page of one revision (its diff with the published one)."""
    return reverse("layer-revision", args=[collection_id, number])
