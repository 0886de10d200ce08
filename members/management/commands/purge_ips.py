"""Blank stored IP addresses older than IP_RETENTION_DAYS: `python manage.py purge_ips`.

The outbox worker (`run_outbox`) runs the same purge once a day; this command
is for deployments without the worker, or for cron.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from members.privacy import purge_ips


class Command(BaseCommand):
    help = "Blank IP addresses older than IP_RETENTION_DAYS (sessions list)."

    def handle(self, *args: object, **options: object) -> None:
        count = purge_ips()
        self.stdout.write(
            f"blanked {count} IP address(es) older than {settings.IP_RETENTION_DAYS} days"
        )
