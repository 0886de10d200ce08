"""The email worker: `python manage.py run_outbox` (docker-compose's `worker`)."""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from events.services import invite_to_capture, send_reminders
from library import services as library
from members.privacy import purge_ips
from notifications.outbox import deliver_due, send_digests

REMINDER_EVERY = timedelta(minutes=1)


class Command(BaseCommand):
    help = (
        "Deliver queued email (retrying failures), remind participants of events starting "
        "within a day, send the daily digest at DIGEST_HOUR "
        "read the text inside new library files for search, "
        "and blank IP addresses older than IP_RETENTION_DAYS once a day."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
        parser.add_argument(
            "--heartbeat",
            type=Path,
            help="file touched after every poll, for a container healthcheck",
        )

    def handle(
        self, *args: object, once: bool, interval: float, heartbeat: Path | None, **options: object
    ) -> None:
        if once:
            reminded = send_reminders()
            if reminded:
                self.stdout.write(f"reminded {reminded} participant(s)")
            invite_to_capture()
            read = library.extract_pending(limit=10_000)
            if read:
                self.stdout.write(f"read the text of {read} library file(s)")
            sent, failed = deliver_due(limit=10_000)
            self.stdout.write(f"sent {sent}, failed {failed}")
            return
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last_digest_day = last_purge_day = last_reminders = None
        self.stdout.write("outbox worker running")
        library.resume_reading()
        while not stopping:
            close_old_connections()
            try:
                now = timezone.now()
                if now.hour == settings.DIGEST_HOUR and last_digest_day != now.date():
                    self.stdout.write(f"digests: {send_digests(now)}")
                    last_digest_day = now.date()
                # Once a day, from the first poll on: addresses older than
                # IP_RETENTION_DAYS are blanked.
                if last_purge_day != now.date():
                    purged = purge_ips(now)
                    if purged:
                        self.stdout.write(f"blanked {purged} old IP address(es)")
                    discarded = library.discard_staged()
                    if discarded:
                        self.stdout.write(f"removed {discarded} unsaved upload(s)")
                    last_purge_day = now.date()
                # Reminders of tomorrow's events, at most once a minute.
                if last_reminders is None or now - last_reminders >= REMINDER_EVERY:
                    reminded = send_reminders(now=now)
                    if reminded:
                        self.stdout.write(f"reminded {reminded} participant(s)")
                    # After an event: its people are invited to capture what was learned.
                    invited = invite_to_capture(now=now)
                    if invited:
                        self.stdout.write(f"invited {invited} event(s) to capture lessons")
                    last_reminders = now
                # The text inside new library files, for search (never in a request).
                read = library.extract_pending()
                if read:
                    self.stdout.write(f"read the text of {read} library file(s)")
                sent, failed = deliver_due()
                if sent or failed:
                    self.stdout.write(f"sent {sent}, failed {failed}")
            except Exception as error:  # the worker outlives a database hiccup
                self.stderr.write(f"outbox worker error: {error}")
            else:
                if heartbeat is not None:
                    heartbeat.touch()
            time.sleep(interval)
