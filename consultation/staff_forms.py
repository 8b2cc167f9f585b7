"""Forms of the officials' pages. Django forms carry the CSRF token in the templates and
validate every field; the state changes themselves live in consultation/moderation.py."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from consultation.change_links import change_label, linkable_changes
from consultation.models import (
    Channel,
    Comment,
    CommentState,
    Consultation,
    Result,
    Stance,
    SubmitterKind,
)
from consultation.moderation import BATCH_ACTIONS, OFFICE_CHANNELS
from consultation.staff_queue import plan_villages
from layers.models import Layer
from planportal.models import Chapter, Section, VersionChange

PHONE_PATTERN = re.compile(r"^\+?\d{7,20}$")
REASON_MAX = 300  # Comment.state_reason's length
ANSWER_MAX = 4000

ANY = [("", _("All"))]
CHOOSE_RESULT = _("Choose adopted, partly adopted, not adopted or explained.")


class QueueFilterForm(forms.Form):
    consultation = forms.ModelChoiceField(
        Consultation.objects.select_related("plan"), label=_("Consultation"), required=False
    )
    state = forms.ChoiceField(
        label=_("State"), choices=ANY + list(CommentState.choices), required=False
    )
    stance = forms.ChoiceField(
        label=_("Stance"), choices=ANY + list(Stance.choices), required=False
    )
    result = forms.ChoiceField(
        label=_("Answer"),
        choices=ANY + [("none", _("Not answered yet"))] + list(Result.choices),
        required=False,
    )
    chapter = forms.ModelChoiceField(Chapter.objects.none(), label=_("Chapter"), required=False)
    layer = forms.ModelChoiceField(Layer.objects.none(), label=_("Layer"), required=False)
    village = forms.ChoiceField(label=_("Village"), choices=ANY, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=ANY + list(Channel.choices), required=False
    )
    q = forms.CharField(label=_("Receipt code or text"), max_length=100, required=False)

    def __init__(self, *args, consultation: Consultation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if consultation is not None:
            plan = consultation.plan
            self.fields["chapter"].queryset = consultation.shown_version.chapters.all()
            self.fields["layer"].queryset = Layer.objects.filter(plan=plan)
            self.fields["village"].choices = ANY + [(v, v) for v in plan_villages(plan)]


class OwnIdsForm(forms.Form):
    """A form that shares its page with others whose fields have the same names (the forms of
    a comment's page each have a `reason`; the queue's filter and batch forms a `result`): ids
    of its own, so every label points at its own field (Django's default `id_reason` would
    repeat, and the labels of the second and later fields would name the first)."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class PublishForm(OwnIdsForm):
    id_prefix = "publish"

    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=REASON_MAX, required=False, strip=True
    )


class HideForm(OwnIdsForm):
    id_prefix = "hide"

    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, strip=True)


class ChangeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return change_label(obj)


class AnswerForm(OwnIdsForm):
    """How the opinion was handled and why; with ``comment``, also the changes of later
    versions it led to (offered only when the plan has any)."""

    id_prefix = "answer"

    result = forms.ChoiceField(label=_("Result"), choices=Result.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    changes = ChangeChoiceField(
        VersionChange.objects.none(),
        label=_("Changes it led to"),
        help_text=_(
            "Adopted or partly adopted opinions only: the changes of later versions of the plan "
            "made because of it. Each is shown with the opinion in that version's explanation "
            "of the changes."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    publish = forms.BooleanField(label=_("Publish the comment and this answer"), required=False)

    def __init__(self, *args, comment: Comment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = linkable_changes(comment) if comment is not None else None
        if choices is None or not choices.exists():
            del self.fields["changes"]
        else:
            self.fields["changes"].queryset = choices

    def chosen_changes(self):
        """The changes chosen, or None when the form offered none (links stay as they are)."""
        return self.cleaned_data["changes"] if "changes" in self.fields else None


class SubmitterForm(OwnIdsForm):
    """Who gave the opinion, as the report's 意见人 column shows it."""

    id_prefix = "submitter"

    submitter_kind = forms.ChoiceField(label=_("Kind of submitter"), choices=SubmitterKind.choices)
    organisation = forms.CharField(
        label=_("Organisation, department or expert's institution"),
        max_length=200,
        required=False,
    )


def village_choices(comment: Comment) -> list[str]:
    """The names an official may tag an opinion with: the plan's villages, and any name it
    already has that the village layer no longer holds (so saving does not drop it unasked)."""
    names = plan_villages(comment.consultation.plan)
    return names + [name for name in comment.villages if name not in names]


class VillagesForm(OwnIdsForm):
    """The villages an opinion is about, as the statistics and the report count them."""

    id_prefix = "villages"

    villages = forms.MultipleChoiceField(
        label=_("Villages it is about"),
        help_text=_(
            "Set from the place the resident drew or chose. Tick the villages the opinion is "
            "really about; none for an opinion on the whole town."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("“%(value)s” is not a village of this plan. Tick from the list.")
        },
    )

    def __init__(self, *args, comment: Comment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = [(name, name) for name in village_choices(comment)]


class DuplicateForm(OwnIdsForm):
    id_prefix = "duplicate"

    original = forms.CharField(
        label=_("Receipt code of the opinion it repeats (empty: not a duplicate)"),
        max_length=20,
        required=False,
    )

    def __init__(self, *args, comment: Comment, **kwargs):
        super().__init__(*args, **kwargs)
        self.comment = comment

    def clean_original(self) -> Comment | None:
        code = self.cleaned_data["original"].strip().upper()
        if not code:
            return None
        original = Comment.objects.filter(
            consultation=self.comment.consultation, receipt_code=code
        ).first()
        if original is None:
            raise forms.ValidationError(_("No comment of this consultation has that code."))
        return original


class GroupAnswerForm(OwnIdsForm):
    """One answer for a group of similar opinions (consultation/similar.py); each opinion of
    the group gets it as its own reply. Several of these share the queue page: each group's
    form is made with its own ``auto_id``."""

    comments = forms.ModelMultipleChoiceField(
        Comment.objects.none(), label=_("Comments"), widget=forms.MultipleHiddenInput
    )
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    publish = forms.BooleanField(label=_("Publish these comments and the answer"), required=False)

    def __init__(self, *args, consultation: Consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].queryset = Comment.objects.filter(consultation=consultation)


class BatchForm(OwnIdsForm):
    id_prefix = "batch"

    comments = forms.ModelMultipleChoiceField(Comment.objects.none(), label=_("Comments"))
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (a, label)
            for a, label in zip(BATCH_ACTIONS, (_("Publish"), _("Hide"), _("Answer")), strict=True)
        ],
    )
    result = forms.ChoiceField(
        label=_("Result"), choices=[("", "—")] + Result.choices, required=False
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=ANSWER_MAX, required=False, widget=forms.Textarea
    )
    publish_answer = forms.BooleanField(label=_("Publish the answers"), required=False)

    def __init__(self, *args, consultation: Consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].queryset = Comment.objects.filter(consultation=consultation)

    def clean(self):
        data = super().clean()
        action, reason = data.get("action"), (data.get("reason") or "").strip()
        if action in ("hide", "answer") and not reason:
            self.add_error("reason", _("Give a reason."))
        if action == "hide" and len(reason) > REASON_MAX:
            self.add_error("reason", _("At most %(max)s characters.") % {"max": REASON_MAX})
        if action == "answer" and not data.get("result"):
            self.add_error("result", CHOOSE_RESULT)
        return data


class EnterCommentForm(forms.Form):
    """An opinion that came by letter, phone or visit, typed in by an official."""

    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[(value, Channel(value).label) for value in OFFICE_CHANNELS],
    )
    received_on = forms.DateField(
        label=_("Received on (a letter: postmark date)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "A letter counts by its postmark: one postmarked on or before the last day of the "
            "consultation is accepted even when it arrives later (Civil Code Art. 203). An "
            "opinion received after the last day cannot be entered."
        ),
    )
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices, widget=forms.RadioSelect)
    body = forms.CharField(label=_("Opinion"), max_length=5000, widget=forms.Textarea)
    section = forms.ModelChoiceField(
        Section.objects.none(), label=_("Section it is about"), required=False
    )
    village = forms.ChoiceField(label=_("Village it concerns"), choices=[("", "—")], required=False)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    consent_show_name = forms.BooleanField(
        label=_("The resident agreed that the name may be shown"), required=False
    )
    # Not required: a form posted without it (an older page) is an individual's opinion.
    submitter_kind = forms.ChoiceField(
        label=_("Kind of submitter"),
        choices=SubmitterKind.choices,
        initial=SubmitterKind.PERSON,
        required=False,
    )
    organisation = forms.CharField(
        label=_("Organisation, department or expert's institution"),
        max_length=200,
        required=False,
        help_text=_("Shown in the report for anyone but an individual."),
    )

    def __init__(self, *args, consultation: Consultation, **kwargs):
        super().__init__(*args, **kwargs)
        # No maxlength in the page: a browser cuts a pasted letter silently; the form refuses
        # a longer one with Django's message and shows it again.
        self.fields["body"].widget.attrs.pop("maxlength", None)
        plan = consultation.plan
        self.fields["section"].queryset = Section.objects.filter(
            chapter__version=consultation.shown_version
        ).select_related("chapter")
        self.fields["village"].choices = [("", "—")] + [(v, v) for v in plan_villages(plan)]

    def clean_submitter_kind(self) -> str:
        return self.cleaned_data["submitter_kind"] or SubmitterKind.PERSON

    def clean_organisation(self) -> str:
        """Named for anyone but an individual, and never kept for one (a person's name is
        personal data and goes in ``name``). The kind is cleaned first, as declared first."""
        kind = self.cleaned_data.get("submitter_kind", SubmitterKind.PERSON)
        organisation = self.cleaned_data["organisation"].strip()
        if kind == SubmitterKind.PERSON:
            return ""
        if not organisation:
            raise forms.ValidationError(_("Name the organisation, department or institution."))
        return organisation

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s\-()]", "", self.cleaned_data["phone"])
        if phone and not PHONE_PATTERN.match(phone):
            raise forms.ValidationError(_("Enter a phone number of digits only."))
        return phone
