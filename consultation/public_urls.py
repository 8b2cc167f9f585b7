"""Public consultation pages, inside the language prefixes (Chinese unprefixed, /en/...)."""

from django.urls import path

from consultation import public_views

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
    path("receipts/", public_views.receipt_lookup, name="receipt-lookup"),
    path("receipts/<str:code>/", public_views.receipt_page, name="receipt-page"),
]
