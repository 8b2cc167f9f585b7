"""回复函: the official answer to an opinion that came by letter, as a letter to post back.

A print-friendly page from the official's comment page: addressed by the name the resident
gave (or 来信人 when none was given or it was purged), dated, with the answer and its reasons
and the office's sign-off (the plan's 组织编制机关 and the consultation's contact). Only the
published answer is printed, so the letter says what the receipt page says. The name is
personal data: printing it is recorded in the audit trail, as looking at contact details is.
"""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consultation.models import Channel, Comment, Reply
from consultation.periods import china_date
from consultation.published import target_summary
from consultation.receipts import display_code
from consultation.staff_views import staff_comment
from planportal.audit import record
from planportal.roles import official_required


def published_reply(comment: Comment) -> Reply | None:
    return Reply.objects.filter(comment=comment, is_published=True).first()


@require_GET
@official_required
def reply_letter(request, pk: int):
    comment = staff_comment(request.user, pk)
    reply = published_reply(comment)
    context = {"comment": comment, "reply": reply, "is_letter": comment.channel == Channel.LETTER}
    if comment.channel != Channel.LETTER or reply is None:
        return render(request, "consultation/staff/reply_letter.html", context, status=409)
    record(
        request.user,
        "comment.print_reply_letter",
        comment,
        summary=_("Reply letter printed"),
        after={"result": reply.result, "purged": comment.contact_purged_at is not None},
    )
    consultation = comment.consultation
    context |= {
        "addressee": comment.name.strip() or _("Correspondent"),
        "code": display_code(comment.receipt_code),
        "about": target_summary(comment)["label"],
        "received_on": comment.received_on or china_date(comment.created_at),
        "today": china_date(timezone.now()),
        "consultation": consultation,
        "office": consultation.plan.organisation,
    }
    return render(request, "consultation/staff/reply_letter.html", context)
