"""The consultation API under /api/, outside the language prefixes: the public one
(consultation/api.py) and the officials' answers (consultation/staff_api.py)."""

from django.urls import path

from consultation import api, staff_api

urlpatterns = [
    path("consultations/", api.ConsultationListView.as_view(), name="api-consultations"),
    path(
        "consultations/<int:pk>/form/",
        api.ConsultationFormView.as_view(),
        name="api-consultation-form",
    ),
    path(
        "consultations/<int:pk>/privacy/",
        api.PrivacyNoticeView.as_view(),
        name="api-consultation-privacy",
    ),
    path(
        "consultations/<int:pk>/comments/",
        api.CommentSubmitView.as_view(),
        name="api-consultation-comments",
    ),
    path(
        "consultations/<int:pk>/comments/published/",
        api.PublishedCommentsView.as_view(),
        name="api-consultation-published",
    ),
    path("receipts/<str:code>/", api.ReceiptView.as_view(), name="api-receipt"),
    path("comments/<int:pk>/answer/", staff_api.AnswerView.as_view(), name="api-comment-answer"),
    path(
        "comments/<int:pk>/submitter/",
        staff_api.SubmitterView.as_view(),
        name="api-comment-submitter",
    ),
    path(
        "comments/<int:pk>/villages/",
        staff_api.VillagesView.as_view(),
        name="api-comment-villages",
    ),
]
