"""The public consultation API, outside the language prefixes (see consultation/api.py)."""

from django.urls import path

from consultation import api

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
]
