"""The A3 poster of a village for the 公示栏: the village, its classification, the
consultation's dates and how to give an opinion (the site, the village page and its QR code,
the phone, e-mail and letter channels the office gives), and a small map."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from consultation.embed import current_consultation
from front.sheets.common import BadSheetRequest, answer, bad_request, paper_of
from front.sheets.frame import Paper
from front.sheets.views import (
    plan_revisions,
    public_village,
    village_layers,
    village_map_context,
)


def village_poster(request, slug: str, code: str, as_pdf: bool = False):
    plan, village = public_village(slug, code)
    try:
        paper = paper_of(request) if "paper" in request.GET else Paper("a3", "portrait")
    except BadSheetRequest as error:
        return bad_request(error)
    layers = village_layers(plan, village)
    consultation = current_consultation(plan)

    def build_context():
        width = paper.map_size(share=0.3)[0]
        size = (width * 0.66, width * 0.5)
        context = village_map_context(plan, village, layers, paper, size, bar_share=0.4)
        return context | {
            "consultation": consultation,
            "site_address": settings.SITE_URL,
            "pdf_url": reverse("plan-village-poster-pdf", args=[plan.slug, village.code])
            + (f"?{request.GET.urlencode()}" if request.GET else ""),
        }

    when = ["none"]
    if consultation is not None:
        when = [consultation.pk, consultation.opens_at, consultation.closes_at]
        when.append(consultation.contact)
    return answer(
        request,
        "front/sheets/poster.html",
        build_context,
        as_pdf=as_pdf,
        paper=paper,
        etag_parts=plan_revisions(plan, layers) + [village.code, "poster", *when],
        filename=_("%(village)s notice board poster.pdf") % {"village": village.name},
    )
