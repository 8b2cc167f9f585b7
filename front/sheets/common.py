"""What every sheet shares: the paper asked for (validated), the date it is printed, the
address and QR code of the page it stands for, the notices about the data and the sources,
and answering as HTML or as PDF."""

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from consultation.report_render import page_number_css
from front.map import TIANDITU_APPROVAL
from front.qr import qr_svg, site_address
from front.sheets.frame import ORIENTATIONS, PAPERS, Paper
from front.sheets.pdf import pdf_response, sheet_etag, sheet_stylesheet
from layers.models import UNOFFICIAL_MARKS


class BadSheetRequest(ValueError):
    """A parameter of a sheet is not one it understands; the message says so in words."""


def bad_request(error: BadSheetRequest):
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def paper_of(request, default_orientation: str = "portrait") -> Paper:
    size = request.GET.get("paper", "a4").lower()
    orientation = request.GET.get("orient", default_orientation).lower()
    if size not in PAPERS:
        raise BadSheetRequest(_("Unknown paper size: choose a4 or a3."))
    if orientation not in ORIENTATIONS:
        raise BadSheetRequest(_("Unknown orientation: choose portrait or landscape."))
    return Paper(size, orientation)


def sheet_context(*, page_path: str, paper: Paper, layers=(), sheet_map=None) -> dict:
    """The parts every sheet prints: paper, date, the page's address and QR code, the data
    status notice and the sources of the layers shown."""
    address = site_address(page_path)
    if sheet_map is not None:
        layers = sheet_map.sources  # what the sheet shows, not what it looked for
    unofficial = [layer for layer in layers if layer.data_mark in UNOFFICIAL_MARKS]
    return {
        "paper": paper,
        "printed_on": timezone.localdate(),
        "page_address": address,
        "qr": mark_safe(qr_svg(address, scale=3, title=address)),  # noqa: S308 (segno escapes)
        "unofficial_layers": unofficial,
        "source_layers": list(layers),
        "sheet_map": sheet_map,
        # The approval number goes with a basemap, and only then (front/map.py).
        "basemap_approval": TIANDITU_APPROVAL if sheet_map and sheet_map.has_basemap else "",
        "stylesheet": sheet_stylesheet(),
        "page_number_css": page_number_css(),
    }


def answer(request, template: str, build_context, *, as_pdf, paper, etag_parts, filename):
    """The sheet as its HTML page, or as a PDF download named ``filename``. The context is
    built (the map drawn) only when needed: a PDF the browser or the cache already holds,
    known by its ETag, costs no drawing."""
    if not as_pdf:
        return render(request, template, build_context())
    etag = sheet_etag(*etag_parts, paper.size, paper.orientation, timezone.localdate())
    return pdf_response(
        request,
        etag=etag,
        filename=filename,
        render_html=lambda: render_to_string(
            template, build_context() | {"for_pdf": True}, request
        ),
    )
