"""The pages that compose the apps, inside the language prefixes (Chinese unprefixed, English
under /en/): the plan list, a plan's text, its map, and the staff home, login and logout."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from front import map, staff, text_import, views

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    path("plans/<slug:slug>/map/", map.plan_map, name="plan-map"),
    path("plans/<slug:slug>/document/", views.plan_document, name="plan-document"),
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
    path(
        "staff/logout/",
        auth_views.LogoutView.as_view(next_page=reverse_lazy("staff-login")),
        name="staff-logout",
    ),
]
