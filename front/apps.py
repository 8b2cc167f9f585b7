from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontConfig(AppConfig):
    """Pages that compose the other apps (plan list, plan page, map, staff home and login).
    It has no models, and no other app imports it."""

    name = "front"
    verbose_name = _("Site pages")
