"""The URL map of the portal: one module per URL space, each named once here. Apps are included
by name, so the project package imports none of them."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from planportal import api, drafts_api, figures_api, phases_api, text_import_api
from planportal.health import healthz
from planportal.security_txt import security_txt

router = SimpleRouter()
router.register("plans", api.PlanViewSet, basename="api-plan")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # First of the API: a comment on the consultation's last evening is the busiest request,
    # and Django tries the patterns in order (35 tries before it, 5% of a comment's CPU). Its
    # paths (consultations/, receipts/, comments/) share no prefix with any other pattern.
    path("api/", include("consultation.api_urls")),  # consultations, comments, receipts, answers
    path(".well-known/security.txt", security_txt, name="security-txt"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include(router.urls)),
    path(
        "api/plans/<slug:slug>/figures/",
        figures_api.PlanFiguresView.as_view(),
        name="api-plan-figures",
    ),
    path(
        "api/plans/<slug:slug>/figures/<int:pk>/",
        figures_api.PlanFigureView.as_view(),
        name="api-plan-figure",
    ),
    path(
        "api/plans/<slug:slug>/phases/",
        phases_api.PlanPhasesView.as_view(),
        name="api-plan-phases",
    ),
    path(
        "api/plans/<slug:slug>/phases/<int:pk>/",
        phases_api.PlanPhaseView.as_view(),
        name="api-plan-phase",
    ),
    path(
        "api/plans/<slug:slug>/text-imports/",
        text_import_api.TextImportsView.as_view(),
        name="api-text-imports",
    ),
    path(
        "api/plans/<slug:slug>/text-imports/<int:pk>/",
        text_import_api.TextImportView.as_view(),
        name="api-text-import",
    ),
    path(
        "api/plans/<slug:slug>/text-imports/<int:pk>/edit/",
        text_import_api.TextImportEditView.as_view(),
        name="api-text-import-edit",
    ),
    path(
        "api/plans/<slug:slug>/text-imports/<int:pk>/save/",
        text_import_api.TextImportSaveView.as_view(),
        name="api-text-import-save",
    ),
    path("api/plans/<slug:slug>/drafts/", drafts_api.DraftsView.as_view(), name="api-drafts"),
    path(
        "api/plans/<slug:slug>/drafts/<int:number>/",
        drafts_api.DraftView.as_view(),
        name="api-draft",
    ),
    path(
        "api/plans/<slug:slug>/drafts/<int:number>/publish/",
        drafts_api.DraftPublishView.as_view(),
        name="api-draft-publish",
    ),
    path(
        "api/plans/<slug:slug>/drafts/<int:number>/sections/<str:section>/",
        drafts_api.DraftSectionView.as_view(),
        name="api-draft-section",
    ),
    path("api/", include("layers.api_urls")),  # a plan's layer catalogue and point report
    path("api/", include("layers.revisions.api_urls")),  # uploads, revisions, publish
    path("api/", include("layers.packages.api_urls")),  # 汇交 databases in one go
    path("api/", include("front.api_urls")),  # the search across plans, plan versions
    path("ogc/", include("layers.ogc.urls")),
    path("tiles/", include("layers.tiles.urls")),
]

# Pages: Simplified Chinese without a prefix, English under /en/.
urlpatterns += i18n_patterns(
    path("", include("front.urls")),  # plans by region, regions, search, plan pages, staff
    path("", include("layers.revisions.urls")),  # /staff/layers/
    path("", include("layers.packages.urls")),  # /staff/layers/packages/
    path("", include("consultation.urls")),  # comment form, receipts, /staff/comments/, report
    path("", include("trail.urls")),  # /staff/trail/, a plan's audit trail and its exports
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# Errors under /api/ are JSON (planportal/api_errors.py); elsewhere Django's pages.
handler400 = "planportal.api_errors.bad_request"
handler403 = "planportal.api_errors.permission_denied"
handler404 = "planportal.api_errors.not_found"
handler500 = "planportal.api_errors.server_error"
