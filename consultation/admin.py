"""Django admin for consultations: where an administrator creates one and sets its dates.

The close is computed, not typed: left empty it is the lawful close of consultation/periods.py
(24:00 China time of the 30th day after the opening date, moved past statutory holidays); a
close that is given is checked against it and refused, naming the earliest lawful close, when
it is earlier. No reason overrides the 30 days (城乡规划法 Art. 26). The ways and places of the
notice are what the report's cover names.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext_lazy as _

from consultation.models import Consultation
from consultation.periods import lawful_period


class ConsultationForm(forms.ModelForm):
    closes_at = forms.SplitDateTimeField(
        label=_("closes"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=_(
            "Leave empty to close at the lawful time: 24:00 (China time) of the 30th day after "
            "the opening date, moved to the next working day when that day is a statutory "
            "holiday or rest day. A later close may be chosen, an earlier one is refused."
        ),
    )

    class Meta:
        model = Consultation
        fields = [
            "plan",
            "title",
            "opens_at",
            "closes_at",
            "notice",
            "notice_methods",
            "notice_places",
            "contact",
            "show_published_comments",
        ]

    def clean(self):
        data = super().clean()
        opens_at = data.get("opens_at")
        if opens_at is not None:
            period = lawful_period(opens_at)
            self.period_warnings = period.warnings
            if data.get("closes_at") is None:
                # Set on the instance too: the model's clean() runs after this and checks it.
                data["closes_at"] = period.closes_at
                self.instance.closes_at = period.closes_at
        return data


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    form = ConsultationForm
    list_display = ["title", "plan", "period_text", "created_at"]
    list_filter = ["plan"]
    search_fields = ["title", "plan__name"]

    @admin.display(description=_("consultation period"))
    def period_text(self, consultation: Consultation) -> str:
        return consultation.period_text

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for warning in getattr(form, "period_warnings", ()):
            messages.warning(request, warning)
