"""The demonstration consultation: one period of public comment on the demo plan, open for
the legal minimum of 30 days from when the demonstration data is first loaded."""

from django.utils import timezone

from consultation.models import MINIMUM_PERIOD, Consultation
from planportal.models import Plan


def ensure_demo_consultation(plan: Plan) -> tuple[Consultation, bool]:
    """The plan's consultation, created open for 30 days if the plan has none yet; loading
    again neither duplicates it nor moves its dates."""
    existing = plan.consultations.order_by("-opens_at").first()
    if existing is not None:
        return existing, False
    opens = timezone.now().replace(microsecond=0)
    consultation = Consultation.objects.create(
        plan=plan,
        title=f"《{plan.name}》（草案）公示征求意见",
        opens_at=opens,
        closes_at=opens + MINIMUM_PERIOD,
        contact=f"{plan.organisation}，电话 {plan.contact_phone}，电子邮箱 {plan.contact_email}",
        notice=(
            "根据《中华人民共和国城乡规划法》第二十六条，现将规划草案予以公示，征求社会公众意见。"
            "本平台为演示系统，所示图层含演示数据。"
        ),
        show_published_comments=True,
    )
    return consultation, True
