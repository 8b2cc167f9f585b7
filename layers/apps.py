from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = _("Map layers")

    def ready(self) -> None:
        from layers.models import Layer
        from layers.ogc.lookup import forget_after_a_save as forget_items_sources
        from layers.tiles.lookup import forget_after_a_save
        from layers.versions import list_layer_changes, record_version_layers
        from planportal.change_list import changes_refreshed
        from planportal.models import Plan
        from planportal.versions import version_published

        # A layer's tile and OGC items lookups depend on the layer row and on its plan being
        # published.
        for model in (Layer, Plan):
            name = model.__name__
            post_save.connect(forget_after_a_save, sender=model, dispatch_uid=f"tiles-{name}")
            post_delete.connect(forget_after_a_save, sender=model, dispatch_uid=f"tiles-del-{name}")
            post_save.connect(forget_items_sources, sender=model, dispatch_uid=f"ogc-{name}")
            post_delete.connect(forget_items_sources, sender=model, dispatch_uid=f"ogc-del-{name}")

        # A published plan version keeps the layer revisions it went out with.
        version_published.connect(record_version_layers, dispatch_uid="layers-version-published")
        # A draft's change list (修改说明) names its layers' changes too.
        changes_refreshed.connect(list_layer_changes, dispatch_uid="layers-change-list")
