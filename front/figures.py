"""A plan's figures (图集) as files: the sheet itself and its thumbnail, for the public when the
plan is published and for planners on the staff pages (front/staff_figures.py)."""

import re

from django.http import FileResponse, Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from planportal.models import Plan, PlanFigure, VersionState

# Characters a saved file's name cannot hold on common systems, and control characters.
UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# A sheet never changes under its id (a new file is a new figure), but its title may: an hour.
PUBLIC_MAX_AGE = 3600


def download_name(figure: PlanFigure) -> str:
    """The figure's title as a file name, with its type's extension."""
    stem = UNSAFE_IN_FILENAME.sub("_", figure.title).strip(" .") or "figure"
    return f"{stem}{figure.extension}"


def serve(request, figure: PlanFigure, *, thumbnail: bool, public: bool):
    stored = figure.thumbnail if thumbnail else figure.file
    if not stored:
        raise Http404
    etag = quote_etag(f"{figure.sha256[:32]}-{'t' if thumbnail else 'f'}")
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        try:
            handle = stored.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        if thumbnail:
            response = FileResponse(handle, content_type="image/jpeg")
        else:
            response = FileResponse(
                handle,
                content_type=figure.content_type,
                as_attachment=True,
                filename=download_name(figure),
            )
    response["ETag"] = etag
    response["Cache-Control"] = (
        f"public, max-age={PUBLIC_MAX_AGE}" if public else "private, no-cache, no-store"
    )
    return response


@require_safe
def figure_file(request, slug: str, figure_id: int):
    """``/plans/<slug>/figures/<id>/``: the sheet, named by its title; published plans only."""
    figure = get_object_or_404(public_figures(slug), pk=figure_id)
    return serve(request, figure, thumbnail=False, public=True)


@require_safe
def figure_thumbnail(request, slug: str, figure_id: int):
    figure = get_object_or_404(public_figures(slug), pk=figure_id)
    return serve(request, figure, thumbnail=True, public=True)


def public_figures(slug: str):
    """The figures of the published versions of a published plan (a draft's are staff's)."""
    return PlanFigure.objects.filter(
        plan__in=Plan.objects.public(), plan__slug=slug, version__state=VersionState.PUBLISHED
    )
