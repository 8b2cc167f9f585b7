from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from planportal import api, views
from planportal.health import healthz

router = SimpleRouter()
router.register("plans", api.PlanViewSet, basename="api-plan")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include(router.urls)),
    path("api/", include("layers.api_urls")),
    path("api/", include("layers.upload_api_urls")),
    path("api/", include("layers.revision_api_urls")),
    path("api/", include("consultation.api_urls")),
    path("api/", include("consultation.staff_api_urls")),
    path("ogc/", include("layers.ogc_urls")),
    path("tiles/", include("layers.tile_urls")),
]

# Pages: Simplified Chinese without a prefix, English under /en/.
urlpatterns += i18n_patterns(
    path("", views.plan_list, name="plan-list"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    path("", include("layers.map_urls")),
    path("", include("layers.upload_urls")),
    path("", include("layers.revision_urls")),
    path("", include("consultation.public_urls")),
    path("", include("consultation.staff_urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# Errors under /api/ are JSON (planportal/api_errors.py); elsewhere Django's pages.
handler400 = "planportal.api_errors.bad_request"
handler403 = "planportal.api_errors.permission_denied"
handler404 = "planportal.api_errors.not_found"
handler500 = "planportal.api_errors.server_error"
