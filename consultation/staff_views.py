"""The officials' pages: the queue with its map, one comment with its actions, batch actions
and opinions entered on a resident's behalf.

Every view goes through ``official_required``: anonymous visitors are sent to the staff login,
signed-in users outside the group ``officials`` (and not superusers) get 403. Every form posts
with Django's CSRF token; every state change is a function of consultation/moderation.py.
Pages show phones masked; the full contact only comes from the audited "show contact" action.
"""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consultation import moderation
from consultation.change_links import change_label, explanation_url
from consultation.models import Channel, Comment, CommentState, Consultation, Reply
from consultation.similar import consultation_groups, group_of
from consultation.staff_forms import (
    AnswerForm,
    BatchForm,
    DuplicateForm,
    EnterCommentForm,
    GroupAnswerForm,
    HideForm,
    PublishForm,
    QueueFilterForm,
    SubmitterForm,
    VillagesForm,
)
from consultation.staff_queue import filter_queue, map_features, queue_comments
from layers.models import Layer, geometry_label
from layers.packages.catalogue import STANDARD_LAYERS
from planportal.models import AuditEvent
from planportal.roles import moderated_plans, official_required, require_moderation_right

PAGE_SIZE = 50


def staff_comment(user, pk: int) -> Comment:
    """The comment, for an official of its plan (403 for others)."""
    comment = get_object_or_404(
        Comment.objects.select_related(
            "consultation__plan", "section__chapter", "layer__chapter", "feature", "entered_by"
        ),
        pk=pk,
    )
    require_moderation_right(user, comment.consultation.plan)
    return comment


def _consultations(user):
    """The consultations of the plans the official handles: the queue offers no other."""
    return Consultation.objects.filter(plan__in=moderated_plans(user)).select_related("plan")


def detail_url(comment: Comment) -> str:
    return reverse("staff-comment", args=[comment.pk])


def _chosen_consultation(request) -> Consultation | None:
    chosen = request.GET.get("consultation", "")
    if chosen.isdigit():
        consultation = get_object_or_404(
            Consultation.objects.select_related("plan"), pk=int(chosen)
        )
        require_moderation_right(request.user, consultation.plan)
        return consultation
    return _consultations(request.user).first()


def _filtered(request) -> tuple[Consultation | None, QueueFilterForm, object]:
    consultation = _chosen_consultation(request)
    form = QueueFilterForm(request.GET or None, consultation=consultation)
    form.fields["consultation"].queryset = _consultations(request.user)
    if consultation is None:
        return None, form, Comment.objects.none()
    comments = queue_comments(consultation)
    if form.is_valid():
        comments = filter_queue(comments, form.cleaned_data)
    return consultation, form, comments


@require_GET
@official_required
def queue(request):
    consultation, form, comments = _filtered(request)
    page = Paginator(comments, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {
        "consultation": consultation,
        "consultations": _consultations(request.user),
        "filter_form": form,
        "page": page,
        "kept_query": kept.urlencode(),
        "batch_form": BatchForm(consultation=consultation) if consultation else None,
        "counts": _counts(consultation),
        "groups": _group_forms(consultation, comments),
    }
    if consultation is not None:
        context["map_config"] = {
            "features": reverse("staff-queue-map") + "?" + request.GET.urlencode(),
            "extent": list(consultation.plan.extent.extent) if consultation.plan.extent else None,
            "outline": json.loads(consultation.plan.extent.geojson)
            if consultation.plan.extent
            else None,
            "strings": {
                "open": _("Open the comment"),
                "failed": _("The comments could not be loaded on the map."),
                "none": _("No comment of this selection points at a place."),
                "map_label": _("Comments on the map"),
            },
        }
    return render(request, "consultation/staff/queue.html", context)


def _group_forms(consultation: Consultation | None, selection) -> list[tuple]:
    """The groups of similar opinions among the comments the filters select, each with its
    own answer form (ids of its own)."""
    if consultation is None:
        return []
    return [
        (
            group,
            GroupAnswerForm(
                consultation=consultation,
                auto_id=f"group{number}-%s",
                initial={"comments": [c.pk for c in group.comments]},
            ),
        )
        for number, group in enumerate(consultation_groups(consultation, selection), start=1)
    ]


def _counts(consultation: Consultation | None) -> dict:
    if consultation is None:
        return {}
    return Comment.objects.filter(consultation=consultation).aggregate(
        total=Count("pk"),
        received=Count("pk", filter=Q(state=CommentState.RECEIVED)),
        unanswered=Count("pk", filter=Q(reply__isnull=True) & ~Q(state=CommentState.HIDDEN)),
    )


@require_GET
@official_required
def queue_map(request):
    _consultation, _form, comments = _filtered(request)
    return JsonResponse(map_features(comments, detail_url))


def linked_changes(reply: Reply | None) -> list[dict]:
    """The changes the answer is linked to, for the official's page (drafts' changes too)."""
    if reply is None:
        return []
    changes = reply.changes.select_related("version__plan").order_by("version__number", "position")
    return [
        {
            "label": change_label(change),
            "url": explanation_url(change) if change.version.is_published else "",
        }
        for change in changes
    ]


def place_map(comment: Comment) -> dict | None:
    """What the comment page's small map draws: the plan's outline and the place the opinion
    points at (drawn, or the feature as the queue map shows it); None without a place."""
    if comment.drawn is None and comment.feature_id is None:
        return None
    plan = comment.consultation.plan
    shapes = map_features(Comment.objects.filter(pk=comment.pk), detail_url)
    return {
        "place": shapes,
        "extent": list(plan.extent.extent) if plan.extent else None,
        "outline": json.loads(plan.extent.geojson) if plan.extent else None,
        "strings": {"map_label": _("The place this opinion points at")},
    }


def control_line_names(comment: Comment) -> list[str]:
    """The control lines the place touches, by their layers' titles (the comment keeps the
    layer codes, e.g. YJJBNT, as the submission found them)."""
    codes = [code.upper() for code in comment.control_lines]
    titles = {standard.code: standard.name for standard in STANDARD_LAYERS}
    layers = Layer.objects.filter(plan_id=comment.consultation.plan_id).exclude(code="")
    for layer in layers.order_by("-position", "-pk").only("code", "title"):
        titles[layer.code.upper()] = layer.title
    return [titles.get(code, code) for code in codes]


def _detail(request, comment: Comment, *, status: int = 200, contact=None, **forms):
    reply = Reply.objects.filter(comment=comment).select_related("answered_by").first()
    answer_initial = (
        {
            "result": reply.result,
            "reason": reply.reason,
            "publish": reply.is_published,
            "changes": list(reply.changes.values_list("pk", flat=True)),
        }
        if reply
        else {}
    )
    context = {
        "comment": comment,
        "reply": reply,
        "contact": contact,
        "masked_email": moderation.masked_email(comment.email),
        "publish_form": forms.get("publish_form") or PublishForm(),
        "hide_form": forms.get("hide_form") or HideForm(),
        "answer_form": forms.get("answer_form")
        or AnswerForm(initial=answer_initial, comment=comment),
        "linked_changes": linked_changes(reply),
        "duplicate_form": forms.get("duplicate_form")
        or DuplicateForm(
            comment=comment,
            initial={"original": comment.duplicate_of.receipt_code if comment.duplicate_of else ""},
        ),
        "submitter_form": forms.get("submitter_form")
        or SubmitterForm(
            initial={
                "submitter_kind": comment.submitter_kind,
                "organisation": comment.organisation,
            }
        ),
        "villages_form": forms.get("villages_form")
        or VillagesForm(comment=comment, initial={"villages": list(comment.villages)}),
        "duplicates": comment.duplicates.order_by("created_at"),
        "similar": group_of(comment),
        "place_map": place_map(comment),
        "drawn_kind": geometry_label(comment.drawn.geom_type) if comment.drawn else "",
        "control_line_names": control_line_names(comment),
        # The answer notices sent to the resident (addresses shown masked).
        "notices": comment.notices.all(),
        "may_print_letter": comment.channel == Channel.LETTER
        and bool(reply and reply.is_published),
        "events": AuditEvent.objects.filter(
            object_type=Comment._meta.label_lower, object_id=str(comment.pk)
        ).order_by("at", "id"),
    }
    return render(request, "consultation/staff/comment.html", context, status=status)


@require_GET
@official_required
def comment_detail(request, pk: int):
    return _detail(request, staff_comment(request.user, pk))


def _act(request, comment: Comment, form_name: str, form, step) -> object:
    """Runs a moderation step from a valid form; otherwise shows the form's errors."""
    if not form.is_valid():
        return _detail(request, comment, status=400, **{form_name: form})
    try:
        step(form.cleaned_data)
    except moderation.ModerationError as refusal:
        form.add_error(None, str(refusal))
        return _detail(request, comment, status=400, **{form_name: form})
    return redirect("staff-comment", pk=comment.pk)


@require_POST
@official_required
def comment_publish(request, pk: int):
    comment = staff_comment(request.user, pk)

    def step(data):
        moderation.publish(request.user, comment, data["reason"])
        messages.success(request, _("The comment is published."))

    return _act(request, comment, "publish_form", PublishForm(request.POST), step)


@require_POST
@official_required
def comment_hide(request, pk: int):
    comment = staff_comment(request.user, pk)

    def step(data):
        moderation.hide(request.user, comment, data["reason"])
        messages.success(request, _("The comment is hidden."))

    return _act(request, comment, "hide_form", HideForm(request.POST), step)


@require_POST
@official_required
def comment_answer(request, pk: int):
    comment = staff_comment(request.user, pk)

    form = AnswerForm(request.POST, comment=comment)

    def step(data):
        moderation.answer(
            request.user,
            comment,
            data["result"],
            data["reason"],
            publish=data["publish"],
            changes=form.chosen_changes(),
        )
        if data["publish"]:
            messages.success(request, _("The answer is saved and published."))
        else:
            messages.success(request, _("The answer is saved; it is not public yet."))

    return _act(request, comment, "answer_form", form, step)


@require_POST
@official_required
def comment_duplicate(request, pk: int):
    comment = staff_comment(request.user, pk)

    def step(data):
        moderation.mark_duplicate(request.user, comment, data["original"])
        messages.success(request, _("The grouping of this opinion is saved."))

    form = DuplicateForm(request.POST, comment=comment)
    return _act(request, comment, "duplicate_form", form, step)


@require_POST
@official_required
def comment_submitter(request, pk: int):
    comment = staff_comment(request.user, pk)

    def step(data):
        moderation.set_submitter(
            request.user, comment, data["submitter_kind"], data["organisation"]
        )
        messages.success(request, _("Who gave the opinion is saved."))

    return _act(request, comment, "submitter_form", SubmitterForm(request.POST), step)


@require_POST
@official_required
def comment_villages(request, pk: int):
    comment = staff_comment(request.user, pk)

    def step(data):
        moderation.set_villages(request.user, comment, data["villages"])
        messages.success(request, _("The villages of this opinion are saved."))

    form = VillagesForm(request.POST, comment=comment)
    return _act(request, comment, "villages_form", form, step)


@require_POST
@official_required
def comment_contact(request, pk: int):
    """Shows the full contact details once, in this response only; the look is audited."""
    comment = staff_comment(request.user, pk)
    contact = moderation.reveal_contact(request.user, comment)
    return _detail(request, comment, contact=contact)


@require_POST
@official_required
def batch(request):
    chosen = request.POST.get("consultation", "")
    consultation = get_object_or_404(
        Consultation.objects.select_related("plan"), pk=int(chosen) if chosen.isdigit() else None
    )
    require_moderation_right(request.user, consultation.plan)
    form = BatchForm(request.POST, consultation=consultation)
    back = reverse("staff-queue") + "?" + request.POST.get("back", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    try:
        outcome = moderation.batch(
            request.user,
            data["comments"],
            data["action"],
            reason=data["reason"],
            result=data["result"],
            publish_answer=data["publish_answer"],
        )
    except moderation.ModerationError as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    messages.success(request, _("%(count)s comments done.") % {"count": outcome.done})
    for code, why in outcome.refused:
        messages.warning(request, f"{code}: {why}")
    return redirect(back)


@require_POST
@official_required
def group_answer(request, consultation_pk: int):
    """One answer given to a group of similar opinions, each answered and audited."""
    consultation = get_object_or_404(
        Consultation.objects.select_related("plan"), pk=consultation_pk
    )
    require_moderation_right(request.user, consultation.plan)
    form = GroupAnswerForm(request.POST, consultation=consultation)
    back = reverse("staff-queue") + f"?consultation={consultation.pk}"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    try:
        replies = moderation.answer_group(
            request.user, data["comments"], data["result"], data["reason"], data["publish"]
        )
    except moderation.ModerationError as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    messages.success(
        request, _("%(count)s similar opinions answered together.") % {"count": len(replies)}
    )
    return redirect(back)


@official_required
def enter_comment(request, consultation_pk: int):
    consultation = get_object_or_404(
        Consultation.objects.select_related("plan"), pk=consultation_pk
    )
    require_moderation_right(request.user, consultation.plan)
    form = EnterCommentForm(request.POST or None, consultation=consultation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            comment = moderation.enter_on_behalf(
                request.user,
                consultation,
                channel=data["channel"],
                body=data["body"],
                stance=data["stance"],
                section=data["section"],
                villages=[data["village"]] if data["village"] else [],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                consent_show_name=data["consent_show_name"],
                received_on=data["received_on"],
                submitter_kind=data["submitter_kind"],
                organisation=data["organisation"],
            )
        except moderation.ModerationError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("Entered. Receipt code for the resident: %(code)s")
                % {"code": comment.receipt_code},
            )
            return redirect("staff-comment", pk=comment.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "consultation/staff/enter.html",
        {"consultation": consultation, "form": form},
        status=status,
    )
