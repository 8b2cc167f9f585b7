"""The A3 poster of a village for the 公示栏: the village, its classification, the
consultation's dates and how to give an opinion (the site, the village page and its QR code,
the phone, e-mail and letter channels the office gives), and a small map."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from consultation.embed import current_consultation
from front.sheets.common import BadSheetRequest, answer, bad_request, paper_of, sheet_context
from front.sheets.frame import Frame, Paper, scale_bar
from front.sheets.views import draw_village_map, plan_revisions, village_bbox, village_layers
from front.village import find_village
from planportal.models import Plan


def village_poster(request, slug: str, code: str, as_pdf: bool = False):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    village = find_village(plan, code)
    if village is None:
        raise Http404("No village of this plan has that code.")
    try:
        paper = paper_of(request) if "paper" in request.GET else Paper("a3", "portrait")
    except BadSheetRequest as error:
        return bad_request(error)
    layers = village_layers(plan, village)
    consultation = current_consultation(plan)

    def build_context():
        width = paper.map_size(share=0.3)[0]
        frame = Frame.around(village_bbox(village), width * 0.66, width * 0.5, pad=0.12)
        sheet_map = draw_village_map(frame, layers, village)
        page = reverse("plan-village", args=[plan.slug, village.code])
        context = sheet_context(page_path=page, paper=paper, layers=layers, sheet_map=sheet_map)
        return context | {
            "plan": plan,
            "village": village,
            "consultation": consultation,
            "site_address": settings.SITE_URL,
            "frame": frame,
            "scale": scale_bar(frame, longest_share=0.4),
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
