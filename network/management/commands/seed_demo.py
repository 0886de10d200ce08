from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lessons.demo import ensure_standards
from members.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts, ensure_tag_vocabulary


class Command(BaseCommand):
    help = (
        "Load the vocabulary, the reference standards and the demo accounts (idempotent). "
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
        self.stdout.write(f"vocabulary: {tags} tags and {provisions} provisions created")
        emails = ", ".join(account.email for account in DEMO_ACCOUNTS)
        self.stdout.write(f"demo accounts: {emails} (password: {DEMO_PASSWORD})")
