"""URL routes of the consultation app (staff_urls): the officials' pages, inside the i18n
patterns (Chinese unprefixed, English under /en/)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from consultation import exports, report, staff_views, stats
from planportal.staff import staff_home

urlpatterns = [
    path(
        "staff/login/",
        auth_views.LoginView.as_view(
            template_name="consultation/staff/login.html",
            next_page=reverse_lazy("staff-home"),
        ),
        name="staff-login",
    ),
    path("staff/", staff_home, name="staff-home"),
    path(
        "staff/logout/",
        auth_views.LogoutView.as_view(next_page=reverse_lazy("staff-login")),
        name="staff-logout",
    ),
    path("staff/comments/", staff_views.queue, name="staff-queue"),
    path("staff/comments/map/", staff_views.queue_map, name="staff-queue-map"),
    path("staff/comments/batch/", staff_views.batch, name="staff-batch"),
    path("staff/comments/<int:pk>/", staff_views.comment_detail, name="staff-comment"),
    path("staff/comments/<int:pk>/publish/", staff_views.comment_publish, name="staff-publish"),
    path("staff/comments/<int:pk>/hide/", staff_views.comment_hide, name="staff-hide"),
    path("staff/comments/<int:pk>/answer/", staff_views.comment_answer, name="staff-answer"),
    path(
        "staff/comments/<int:pk>/duplicate/",
        staff_views.comment_duplicate,
        name="staff-duplicate",
    ),
    path("staff/comments/<int:pk>/contact/", staff_views.comment_contact, name="staff-contact"),
    path(
        "staff/consultations/<int:consultation_pk>/enter/",
        staff_views.enter_comment,
        name="staff-enter",
    ),
    path(
        "staff/consultations/<int:pk>/comments.csv",
        exports.comments_csv,
        name="staff-export-csv",
    ),
    path(
        "staff/consultations/<int:pk>/comments.xlsx",
        exports.comments_xlsx,
        name="staff-export-xlsx",
    ),
    path("staff/consultations/<int:pk>/stats/", stats.stats_page, name="staff-stats"),
    path("consultations/<int:pk>/report/", report.report_page, name="consultation-report"),
    path(
        "consultations/<int:pk>/report.xlsx",
        report.report_xlsx,
        name="consultation-report-xlsx",
    ),
]
