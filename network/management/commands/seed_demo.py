from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max
from django.utils import timezone

from forum.demo import ensure_demo_threads
from lessons.demo import ensure_standards
from library.demo import ensure_demo_library
from members.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts, ensure_tag_vocabulary
from network.demo import ensure_demo_events, ensure_demo_lessons
from notifications.models import Notification, OutboxEmail


class Command(BaseCommand):
    help = (
        "Load the vocabulary, the reference standards, the demo accounts, the demo forum "
        "threads, the demo lessons, the demo library and the demo events (idempotent). "
        "Refuses to run unless DEBUG or DEMO_MODE is on: demo accounts have a public password."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError(
                "seed_demo creates accounts with a published password; "
                "it runs only with DEBUG=true or DEMO_MODE=true."
            )
        tags = ensure_tag_vocabulary()
        provisions = ensure_standards()
        ensure_demo_accounts()
        threads = ensure_demo_threads()
        # After the threads: some lessons grew out of answered demo questions.
        lessons = ensure_demo_lessons()
        # What the library and the events notify while seeding is not news either.
        first_notification = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        first_email = OutboxEmail.objects.aggregate(last=Max("pk"))["last"] or 0
        documents = ensure_demo_library()
        # After the library: events take their materials from it.
        gatherings = ensure_demo_events()
        # (All read and digested: the forum's and lessons' seeding already leave the
        # demo accounts their few unread notifications.)
        now = timezone.now()
        Notification.objects.filter(pk__gt=first_notification).update(read_at=now, digested_at=now)
        OutboxEmail.objects.filter(pk__gt=first_email).delete()
        self.stdout.write(f"vocabulary: {tags} tags and {provisions} provisions created")
        self.stdout.write(f"demo forum: {threads} threads created")
        self.stdout.write(f"demo lessons: {lessons} lessons created")
        self.stdout.write(f"demo library: {documents} resources created")
        self.stdout.write(f"demo events: {gatherings} events created")
        emails = ", ".join(account.email for account in DEMO_ACCOUNTS)
        self.stdout.write(f"demo accounts: {emails} (password: {DEMO_PASSWORD})")
