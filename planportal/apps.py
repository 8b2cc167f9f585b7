from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanPortalConfig(AppConfig):
    name = "planportal"
    verbose_name = _("Plans")
