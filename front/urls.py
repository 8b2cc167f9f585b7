"""The pages that compose the apps, inside the language prefixes (Chinese unprefixed, English
under /en/): the plans by region, a region, the search, a plan's text, its map, the staff
home, login and logout, and the planners' plan pages."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from front import (
    accounts,
    care,
    downloads,
    explanation,
    figures,
    map,
    plan_staff,
    portal,
    procedure,
    search_views,
    share_views,
    staff,
    staff_change_list,
    staff_figures,
    staff_procedure,
    text_import,
    version_pages,
    version_staff,
    views,
    village_views,
)
from front.sheets import poster as sheet_posters
from front.sheets import text_views as text_sheets
from front.sheets import views as sheets


def sheet_paths(route: str, view, name: str) -> list:
    """A printable sheet's page (``route/``) and its PDF (``route.pdf``, named ``name-pdf``)."""
    return [
        path(f"{route}/", view, name=name),
        path(f"{route}.pdf", view, {"as_pdf": True}, name=f"{name}-pdf"),
    ]


urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("regions/<str:code>/", portal.region_detail, name="region-detail"),
    path("search/", search_views.place_search, name="place-search"),
    path("care/", care.switch, name="care-mode"),
    path("share/", share_views.share_page, name="share-page"),
    path("qr.svg", share_views.qr_code_svg, name="share-qr-svg"),
    path("qr.png", share_views.qr_code_png, name="share-qr-png"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    *sheet_paths("plans/<slug:slug>/print", text_sheets.text_sheet, "plan-text-print"),
    path("plans/<slug:slug>/map/", map.plan_map, name="plan-map"),
    *sheet_paths("plans/<slug:slug>/map/print", sheets.map_sheet, "plan-map-print"),
    *sheet_paths(
        "plans/<slug:slug>/villages/<str:code>/print", sheets.village_sheet, "plan-village-print"
    ),
    *sheet_paths(
        "plans/<slug:slug>/villages/<str:code>/poster",
        sheet_posters.village_poster,
        "plan-village-poster",
    ),
    path("plans/<slug:slug>/share.png", share_views.plan_share_card, name="plan-share-card"),
    path(
        "plans/<slug:slug>/villages/<str:code>/share.png",
        share_views.village_share_card,
        name="plan-village-share-card",
    ),
    path(
        "plans/<slug:slug>/villages/<str:code>/",
        village_views.village_page,
        name="plan-village",
    ),
    path("plans/<slug:slug>/v/<int:number>/", version_pages.plan_version, name="plan-version"),
    path(
        "plans/<slug:slug>/v/<int:number>/changes/",
        version_pages.version_changes,
        name="plan-version-changes",
    ),
    path(
        "plans/<slug:slug>/v/<int:number>/changes/layers/<slug:collection_id>/",
        version_pages.layer_changes_map,
        name="plan-version-layer-map",
    ),
    path(
        "plans/<slug:slug>/v/<int:number>/changes/layers/<slug:collection_id>/diff.geojson",
        version_pages.layer_changes_geojson,
        name="plan-version-layer-geojson",
    ),
    path("plans/<slug:slug>/figures/<int:figure_id>/", figures.figure_file, name="plan-figure"),
    path(
        "plans/<slug:slug>/figures/<int:figure_id>/thumbnail/",
        figures.figure_thumbnail,
        name="plan-figure-thumbnail",
    ),
    path("plans/<slug:slug>/layers.gpkg", downloads.layers_geopackage, name="plan-geopackage"),
    path("staff/figures/", staff_figures.figure_plans, name="staff-figure-plans"),
    path("staff/plans/<slug:slug>/figures/", staff_figures.plan_figures, name="staff-plan-figures"),
    path(
        "staff/plans/<slug:slug>/figures/<int:figure_id>/edit/",
        staff_figures.edit_figure,
        name="staff-figure-edit",
    ),
    path(
        "staff/plans/<slug:slug>/figures/<int:figure_id>/delete/",
        staff_figures.delete_figure,
        name="staff-figure-delete",
    ),
    path(
        "staff/plans/<slug:slug>/figures/<int:figure_id>/<str:part>/",
        staff_figures.staff_figure_file,
        name="staff-figure-file",
    ),
    path("plans/<slug:slug>/document/", views.plan_document, name="plan-document"),
    path("plans/<slug:slug>/procedure/", procedure.plan_procedure, name="plan-procedure"),
    path(
        "plans/<slug:slug>/procedure/records/<int:record_id>/",
        procedure.procedure_record,
        name="plan-procedure-record",
    ),
    path("staff/procedure/", staff_procedure.procedure_plans_page, name="staff-procedure"),
    path(
        "staff/plans/<slug:slug>/procedure/",
        staff_procedure.plan_procedure,
        name="staff-plan-procedure",
    ),
    path(
        "staff/plans/<slug:slug>/procedure/<int:phase_id>/edit/",
        staff_procedure.edit_phase,
        name="staff-phase-edit",
    ),
    path(
        "staff/plans/<slug:slug>/procedure/<int:phase_id>/delete/",
        staff_procedure.delete_phase,
        name="staff-phase-delete",
    ),
    path(
        "staff/plans/<slug:slug>/procedure/<int:phase_id>/records/",
        staff_procedure.add_record,
        name="staff-phase-records",
    ),
    path(
        "staff/plans/<slug:slug>/procedure/records/<int:record_id>/",
        staff_procedure.staff_record,
        name="staff-phase-record",
    ),
    path(
        "staff/plans/<slug:slug>/procedure/records/<int:record_id>/delete/",
        staff_procedure.delete_record,
        name="staff-phase-record-delete",
    ),
    path(
        "plans/<slug:slug>/v/<int:number>/explanation/",
        explanation.version_explanation,
        name="plan-version-explanation",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/changes/",
        staff_change_list.version_changes,
        name="staff-version-changes",
    ),
    path("staff/plans/<slug:slug>/text/", text_import.text_upload, name="staff-plan-text"),
    path(
        "staff/plans/<slug:slug>/text/<int:pk>/",
        text_import.text_preview,
        name="staff-plan-text-preview",
    ),
    path(
        "staff/plans/<slug:slug>/text/<int:pk>/edit/",
        text_import.text_edit,
        name="staff-plan-text-edit",
    ),
    path(
        "staff/plans/<slug:slug>/text/<int:pk>/save/",
        text_import.text_save,
        name="staff-plan-text-save",
    ),
    path(
        "staff/plans/<slug:slug>/versions/",
        version_staff.version_list,
        name="staff-plan-versions",
    ),
    path(
        "staff/plans/<slug:slug>/versions/new/",
        version_staff.version_create,
        name="staff-version-create",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/",
        version_staff.version_detail,
        name="staff-version",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/edit/",
        version_staff.version_edit,
        name="staff-version-edit",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/delete/",
        version_staff.version_delete,
        name="staff-version-delete",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/publish/",
        version_staff.version_publish,
        name="staff-version-publish",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/indicators/",
        version_staff.indicators_edit,
        name="staff-version-indicators",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/chapters/<int:chapter>/",
        version_staff.chapter_edit,
        name="staff-version-chapter",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/sections/<str:section>/",
        version_staff.section_edit,
        name="staff-version-section",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/sections/<str:section>/add/",
        version_staff.section_add,
        name="staff-version-section-add",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/sections/<str:section>/delete/",
        version_staff.section_delete,
        name="staff-version-section-delete",
    ),
    path(
        "staff/login/",
        auth_views.LoginView.as_view(
            template_name="staff/login.html", next_page=reverse_lazy("staff-home")
        ),
        name="staff-login",
    ),
    path("staff/", staff.staff_home, name="staff-home"),
    path("staff/plans/", plan_staff.plan_list, name="staff-plans"),
    path("staff/plans/new/", plan_staff.plan_create, name="staff-plan-create"),
    path("staff/plans/<slug:slug>/publish/", plan_staff.plan_publish, name="staff-plan-publish"),
    path(
        "staff/logout/",
        auth_views.LogoutView.as_view(next_page=reverse_lazy("staff-login")),
        name="staff-logout",
    ),
    path("staff/accounts/", accounts.account_list, name="staff-accounts"),
    path("staff/accounts/new/", accounts.account_create, name="staff-account-create"),
    path("staff/accounts/grants/", accounts.grant_add, name="staff-grant-add"),
    path(
        "staff/accounts/grants/<int:pk>/revoke/", accounts.grant_revoke, name="staff-grant-revoke"
    ),
    path("staff/accounts/<int:pk>/active/", accounts.account_active, name="staff-account-active"),
]
