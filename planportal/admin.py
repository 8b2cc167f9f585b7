"""Django admin for administrators: plans, their chapters, sections and indicators."""

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from planportal.models import Chapter, Indicator, Plan, Section


class ChapterInline(admin.TabularInline):
    model = Chapter
    fields = ["number", "title"]
    extra = 0
    show_change_link = True


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["position", "name", "comparator", "value", "unit", "year", "role", "kind", "section"]
    extra = 0


@admin.register(Plan)
class PlanAdmin(GISModelAdmin):
    list_display = ["name", "region_code", "period", "status", "is_published", "updated_at"]
    list_filter = ["status", "is_published"]
    search_fields = ["name", "region_code", "region_name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ChapterInline, IndicatorInline]


class SectionInline(admin.StackedInline):
    model = Section
    fields = ["number", "title", "position", "blocks"]
    extra = 0


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan"]
    list_filter = ["plan"]
    inlines = [SectionInline]
