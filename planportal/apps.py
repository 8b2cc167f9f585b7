from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanPortalConfig(AppConfig):
    name = "planportal"
    verbose_name = _("Plans")

    def ready(self) -> None:
        # Registers the staff roles' permissions with django-rules, and the system checks.
        from planportal import checks, roles  # noqa: F401
