"""The pages that compose the apps, inside the language prefixes (Chinese unprefixed, English
under /en/): the plan list, a plan's text, its map, and the staff home, login and logout."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from front import accounts, map, staff, views

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    path("plans/<slug:slug>/map/", map.plan_map, name="plan-map"),
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
    path("staff/accounts/", accounts.account_list, name="staff-accounts"),
    path("staff/accounts/new/", accounts.account_create, name="staff-account-create"),
    path("staff/accounts/grants/", accounts.grant_add, name="staff-grant-add"),
    path(
        "staff/accounts/grants/<int:pk>/revoke/", accounts.grant_revoke, name="staff-grant-revoke"
    ),
    path("staff/accounts/<int:pk>/active/", accounts.account_active, name="staff-account-active"),
]
