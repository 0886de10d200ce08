"""An email backend whose SMTP server is down, for the outbox retry tests."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class DownBackend(BaseEmailBackend):
    def send_messages(self, messages: list) -> int:
        raise smtplib.SMTPServerDisconnected("connection refused")
