from django.core.management.base import BaseCommand

from notifications.outbox import send_digests


class Command(BaseCommand):
    help = "Queue the daily digest email for every member with notifications waiting for it."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"digests queued: {send_digests()}")
