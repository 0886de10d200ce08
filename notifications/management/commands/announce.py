from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from notifications.services import announce


class Command(BaseCommand):
    help = "Send an announcement notification to every member, or to one (--to EMAIL)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("text")
        parser.add_argument("--to", metavar="EMAIL", help="one member's email address")

    def handle(self, *args: object, text: str, to: str | None, **options: object) -> None:
        text = text.strip()
        if not text:
            raise CommandError("The announcement text is empty.")
        if len(text) > 300:
            raise CommandError("An announcement is at most 300 characters.")
        member = None
        if to:
            member = get_user_model().objects.filter(email__iexact=to.strip()).first()
            if member is None or not member.is_member:
                raise CommandError(f"No approved member has the email address {to}.")
        count = announce(actor=None, text=text, to=member)
        self.stdout.write(f"announcement sent to {count} member(s)")
