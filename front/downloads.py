"""Files the public downloads for a plan: the GeoPackage of its public layers
(layers/geopackage.py), built on publish and again when a request finds it stale."""

from django.http import FileResponse, Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from layers import geopackage
from planportal.models import Plan


@require_safe
def layers_geopackage(request, slug: str):
    """``/plans/<slug>/layers.gpkg``: 404 when the plan has no layer with downloadable
    features. The ETag is the fingerprint of the layers the file holds, so a client asks
    again cheaply and gets a new file after each publish."""
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    download = geopackage.current(plan)
    if download is None:
        raise Http404("No public layer of this plan can be downloaded.")
    etag = quote_etag(download.etag)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        try:
            handle = download.path.open("rb")
        except FileNotFoundError:  # replaced by a newer build between the two steps
            download = geopackage.current(plan)
            etag = quote_etag(download.etag)
            handle = download.path.open("rb")
        response = FileResponse(
            handle,
            content_type=geopackage.CONTENT_TYPE,
            as_attachment=True,
            filename=f"{plan.slug}-layers.gpkg",
        )
    response["ETag"] = etag
    # Revalidate every time: the answer changes when a layer is published or withdrawn.
    response["Cache-Control"] = "public, no-cache"
    return response
