from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Consultation")

    def ready(self) -> None:
        from consultation.models import Consultation
        from consultation.submission import forget_consultations
        from layers.models import Layer
        from planportal.models import Plan, Section

        # The submission keeps a consultation with its plan's sections and touch layers.
        for model in (Consultation, Plan, Section, Layer):
            name = model.__name__
            post_save.connect(forget_consultations, sender=model, dispatch_uid=f"submit-{name}")
            post_delete.connect(
                forget_consultations, sender=model, dispatch_uid=f"submit-del-{name}"
            )
