"""The consultation's pages, inside the language prefixes (Chinese unprefixed, English under
/en/): the residents' comment form and receipts, and the officials' queue, moderation, answers,
exports, statistics and report. Staff login and the staff home are front/'s."""

from django.urls import path

from consultation import (
    exports,
    my_opinions,
    opinion_views,
    photo_views,
    public_views,
    reply_letter,
    report_views,
    rounds_report_views,
    staff_views,
    stats,
)

urlpatterns = [
    path(
        "consultations/<int:pk>/comment/",
        public_views.comment_page,
        name="consultation-comment",
    ),
    path(
        "consultations/<int:pk>/comment/form/",
        public_views.comment_form_fragment,
        name="consultation-comment-form",
    ),
    path("comments/<int:pk>/", opinion_views.public_comment_page, name="public-comment"),
    path("receipts/", public_views.receipt_lookup, name="receipt-lookup"),
    path("receipts/<str:code>/", public_views.receipt_page, name="receipt-page"),
    path("my-opinions/", my_opinions.my_opinions, name="my-opinions"),
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
    path(
        "staff/comments/<int:pk>/villages/",
        staff_views.comment_villages,
        name="staff-villages",
    ),
    path("staff/comments/<int:pk>/contact/", staff_views.comment_contact, name="staff-contact"),
    path("staff/comments/<int:pk>/photo/", photo_views.comment_photo, name="staff-comment-photo"),
    path("staff/comments/<int:pk>/letter/", reply_letter.reply_letter, name="staff-reply-letter"),
    path(
        "staff/comments/<int:pk>/submitter/",
        staff_views.comment_submitter,
        name="staff-submitter",
    ),
    path(
        "staff/consultations/<int:consultation_pk>/group-answer/",
        staff_views.group_answer,
        name="staff-group-answer",
    ),
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
    path("consultations/<int:pk>/report/", report_views.report_page, name="consultation-report"),
    path(
        "consultations/<int:pk>/report.xlsx",
        report_views.report_xlsx,
        name="consultation-report-xlsx",
    ),
    path(
        "consultations/<int:pk>/report/freeze/",
        report_views.report_freeze,
        name="consultation-report-freeze",
    ),
    path(
        "consultations/<int:pk>/report/frozen/<int:number>.<str:kind>",
        report_views.frozen_download,
        name="consultation-report-frozen",
    ),
    path(
        "staff/plans/<slug:slug>/report/",
        rounds_report_views.rounds_report_page,
        name="plan-rounds-report",
    ),
    path(
        "staff/plans/<slug:slug>/report.xlsx",
        rounds_report_views.rounds_report_xlsx,
        name="plan-rounds-report-xlsx",
    ),
    path(
        "staff/plans/<slug:slug>/report/freeze/",
        rounds_report_views.rounds_report_freeze,
        name="plan-rounds-report-freeze",
    ),
    path(
        "staff/plans/<slug:slug>/report/frozen/<int:number>.<str:kind>",
        rounds_report_views.rounds_frozen_download,
        name="plan-rounds-report-frozen",
    ),
]
