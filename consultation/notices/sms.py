"""The SMS gateway: any class with ``send(phone, text)``, named by the setting ``SMS_BACKEND``
(a dotted path). A province's SMS service (政务短信平台) is connected by writing such a class
around its client; ``send`` raises on failure (any exception: the notice records it).

Two come with the portal: ``ConsoleSmsBackend`` (the default) logs the message instead of
sending it, ``LocmemSmsBackend`` keeps it in ``outbox`` for tests and demonstrations.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Sends ``text`` to the mobile number ``phone``; raises when it could not."""


class ConsoleSmsBackend:
    """Writes the message to the log (the job worker's output) instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s****%s: %s", phone[:3], phone[-4:], text)


# Messages LocmemSmsBackend "sent", as (phone, text), like django.core.mail.outbox.
outbox: list[tuple[str, str]] = []


class LocmemSmsBackend:
    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
