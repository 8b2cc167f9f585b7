"""URL routes of the consultation app (staff_api_urls): the officials' JSON API."""

from django.urls import path

from consultation.staff_api import AnswerView

urlpatterns = [
    path("comments/<int:pk>/answer/", AnswerView.as_view(), name="api-comment-answer"),
]
