"""The demonstration consultation: one period of public comment on the demo plan, open for
the legal minimum of 30 days from when the demonstration data is first loaded, counted as
consultation/periods.py counts it (to 24:00 of the 30th day, moved past holidays)."""

from django.utils import timezone

from consultation.models import Consultation
from consultation.periods import lawful_period
from planportal.models import Plan


def ensure_demo_consultation(plan: Plan) -> tuple[Consultation, bool]:
    """The plan's consultation, created open for the lawful 30 days if the plan has none yet;
    loading again neither duplicates it nor moves its dates. The loader prints
    ``lawful_period(opens_at).warnings`` (a year the holiday calendar does not cover)."""
    existing = plan.consultations.order_by("-opens_at").first()
    if existing is not None:
        return existing, False
    opens = timezone.now().replace(microsecond=0)
    period = lawful_period(opens)
    consultation = Consultation.objects.create(
        plan=plan,
        title=f"《{plan.name}》（草案）公示征求意见",
        opens_at=opens,
        closes_at=period.closes_at,
        contact=f"{plan.organisation}，电话 {plan.contact_phone}，电子邮箱 {plan.contact_email}",
        notice=(
            "根据《中华人民共和国城乡规划法》第二十六条，现将规划草案予以公示，征求社会公众意见。"
            "本平台为演示系统，所示图层含演示数据。"
        ),
        show_published_comments=True,
    )
    return consultation, True
