"""The pages that compose the apps, inside the language prefixes (Chinese unprefixed, English
under /en/): the plans by region, a region, the search, a plan's text, its map, the staff
home, login and logout, and the planners' plan pages."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from front import (
    accounts,
    downloads,
    explanation,
    figures,
    map,
    plan_staff,
    portal,
    search_views,
    staff,
    staff_figures,
    text_import,
    version_changes,
    views,
)

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("regions/<str:code>/", portal.region_detail, name="region-detail"),
    path("search/", search_views.place_search, name="place-search"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    path("plans/<slug:slug>/map/", map.plan_map, name="plan-map"),
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
    path(
        "plans/<slug:slug>/v/<int:number>/explanation/",
        explanation.version_explanation,
        name="plan-version-explanation",
    ),
    path(
        "staff/plans/<slug:slug>/versions/<int:number>/changes/",
        version_changes.version_changes,
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
