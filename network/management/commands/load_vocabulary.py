from django.core.management.base import BaseCommand

from lessons.demo import ensure_standards
from members.demo import ensure_tag_vocabulary


class Command(BaseCommand):
    help = "Create the shared tag vocabulary and the reference standards (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        tags = ensure_tag_vocabulary()
        provisions = ensure_standards()
        self.stdout.write(f"vocabulary: {tags} tags and {provisions} provisions created")
