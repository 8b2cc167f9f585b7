from django.urls import path

from layers import api

urlpatterns = [
    path("plans/<slug:slug>/layers/", api.PlanLayersView.as_view(), name="api-plan-layers"),
    path("plans/<slug:slug>/report/", api.PointReportView.as_view(), name="api-point-report"),
]
