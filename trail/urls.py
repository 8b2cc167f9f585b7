"""The officials' pages of the audit trail, inside the language prefixes."""

from django.urls import path

from trail import views

urlpatterns = [
    path("staff/trail/", views.trail_index, name="trail-index"),
    path("staff/plans/<slug:slug>/trail/", views.plan_trail_page, name="plan-trail"),
    path("staff/plans/<slug:slug>/trail.csv", views.plan_trail_csv, name="plan-trail-csv"),
    path("staff/plans/<slug:slug>/trail.xlsx", views.plan_trail_xlsx, name="plan-trail-xlsx"),
]
