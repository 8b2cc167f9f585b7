"""Django admin for administrators: plans, their chapters, sections and indicators; regions."""

from django import forms
from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from planportal.models import Chapter, Indicator, Plan, Region, Section
from planportal.regions import check_plan_region


class ChapterInline(admin.TabularInline):
    model = Chapter
    # The chapters of every version of the plan: the version tells them apart.
    fields = ["version", "number", "title"]
    readonly_fields = ["version"]
    extra = 0
    show_change_link = True


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["position", "name", "comparator", "value", "unit", "year", "role", "kind", "section"]
    extra = 0


class PlanAdminForm(forms.ModelForm):
    """The admin follows the same region rule as the planners' page and the API (the admin
    gives the model and fields)."""

    def clean_region_code(self) -> str:
        code = self.cleaned_data["region_code"]
        check_plan_region(code)
        return code


@admin.register(Plan)
class PlanAdmin(GISModelAdmin):
    form = PlanAdminForm
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
    list_display = ["__str__", "plan", "version"]
    list_filter = ["plan"]
    inlines = [SectionInline]

    def get_readonly_fields(self, request, obj=None):
        # A chapter stays in the version it was written for (a new one goes into the plan's
        # latest version, Chapter.save); PostgreSQL refuses edits of a published version.
        return ["plan", "version"] if obj else []


@admin.register(Region)
class RegionAdmin(GISModelAdmin):
    list_display = ["code", "name", "short_name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "short_name"]
    raw_id_fields = ["parent"]
