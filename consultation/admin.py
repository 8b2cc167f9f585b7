"""Django admin for administrators: consultations (dates, notice text, and the ways and places
of the notice that the report's cover names)."""

from django.contrib import admin

from consultation.models import Consultation


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "opens_at", "closes_at"]
    list_filter = ["plan"]
    search_fields = ["title", "plan__name"]
