"""The public page of one published opinion: ``/comments/<id>/``. What the published views
show of it (consultation/published.py: the name only with consent, contacts blotted out), the
version and section text it was made on and what became of that section
(consultation/comment_context.py), the published answer and, for an adopted one, the changes
it led to (由此修改)."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from consultation.change_links import public_changes_of, reply_of
from consultation.comment_context import comment_context
from consultation.models import Comment
from consultation.published import public_comment


def public_comment_page(request, pk: int):
    comment = get_object_or_404(
        Comment.objects.published().select_related(
            "consultation__plan", "section__chapter", "layer", "reply", "version"
        ),
        pk=pk,
    )
    plan = comment.consultation.plan
    context = {
        "comment": public_comment(comment),
        "consultation": comment.consultation,
        "plan": plan,
        "plan_url": reverse("plan-detail", args=[plan.slug]),
        "made_on": comment_context(comment),
        "led_to": public_changes_of(reply_of(comment)),
    }
    return render(request, "consultation/public/comment.html", context)
