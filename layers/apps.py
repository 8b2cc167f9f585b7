from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = _("Map layers")

    def ready(self) -> None:
        from layers.models import Layer
        from layers.tiles.lookup import forget_after_a_save
        from planportal.models import Plan

        # A layer's tile lookup depends on the layer row and on its plan being published.
        for model in (Layer, Plan):
            name = model.__name__
            post_save.connect(forget_after_a_save, sender=model, dispatch_uid=f"tiles-{name}")
            post_delete.connect(forget_after_a_save, sender=model, dispatch_uid=f"tiles-del-{name}")
