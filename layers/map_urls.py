"""The map page, inside the language-prefixed patterns (/plans/x/map/, /en/plans/x/map/)."""

from django.urls import path

from layers import views

urlpatterns = [
    path("plans/<slug:slug>/map/", views.plan_map, name="plan-map"),
]
