"""What residents are told before they submit (个人信息保护法 Art. 17), and the masking that
keeps contact details out of everything public.

The notice names who collects what, why, for how long, what is published and whom to ask; it
is shown in every comment form and returned by ``GET /api/consultations/{id}/privacy/``.
"""

import re

from django.conf import settings
from django.utils.translation import gettext as _

from consultation.models import Consultation

# Chinese mobile numbers, landlines with an area code, and e-mail addresses, as people type
# them into free text (with spaces or dashes).
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def retention_days() -> int:
    return int(settings.CONTACT_RETENTION_DAYS)


def contact_line(consultation: Consultation) -> str:
    plan = consultation.plan
    if consultation.contact:
        return consultation.contact
    return " ".join(part for part in (plan.contact_phone, plan.contact_email) if part)


def privacy_notice(consultation: Consultation) -> dict:
    plan = consultation.plan
    controller = plan.organisation or plan.name
    contact = contact_line(consultation)
    days = retention_days()
    paragraphs = [
        _("Who collects: %(controller)s, for the public consultation on %(plan)s.")
        % {"controller": controller, "plan": plan.name},
        _(
            "What: your opinion, what it points at (a section, a map feature or a place you "
            "draw) and an optional photo; optionally your name, phone number and email "
            "address. To limit abuse we keep a keyed hash of your network address, never the "
            "address itself. Photos are stored without their location and camera data, are "
            "seen only by the officials who handle the consultation and are never published."
        ),
        _(
            "Why: to handle and answer your opinion and to report to the approving authority "
            "how each opinion was handled (Urban and Rural Planning Law, Art. 26). Your phone "
            "number and email address are used only to contact you about your opinion."
        ),
        _(
            "How long: your name, phone number, email address and photo are deleted %(days)s "
            "days after the consultation closes; the opinion itself is kept with the plan's "
            "records."
        )
        % {"days": days},
        _(
            "Publication: officials may publish your opinion and their answer. Your name is "
            "shown only if you tick the separate box for it, otherwise the opinion is signed "
            "“Villager”. Phone numbers and email addresses are never published."
        ),
    ]
    paragraphs.append(
        _(
            "Children under 14: the personal information of a child under 14 is sensitive "
            "personal information (Personal Information Protection Law, Arts. 28 and 31). A "
            "child under 14 ticks “I am under 14”, and a parent or guardian must agree before "
            "the opinion is sent; the guardian may give their name so that we can contact "
            "them. A child's name is never published. An opinion of a child under 14 without "
            "a guardian's consent is not accepted; if we learn that one was, we delete the "
            "personal details given with it."
        )
    )
    if contact:
        paragraphs.append(
            _("To see, correct or delete your details, or with any question: %(contact)s.")
            % {"contact": contact}
        )
    return {
        "controller": controller,
        "contact": contact,
        "retention_days": days,
        "paragraphs": paragraphs,
    }


def mask_contacts(text: str) -> str:
    """Free text for public display with phone numbers and e-mail addresses blotted out,
    in case a resident typed them into the opinion or the name."""
    text = _EMAIL.sub("***@***", text)
    text = _MOBILE.sub(lambda m: _blot(m.group(0)), text)
    return _LANDLINE.sub(lambda m: _blot(m.group(0)), text)


def _blot(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return digits[:3] + "*" * max(0, len(digits) - 3)
