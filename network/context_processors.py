from django.conf import settings
from django.http import HttpRequest

from members.signout import draft_owner


def site(request: HttpRequest) -> dict[str, object]:
    return {"SITE_NAME": settings.SITE_NAME}


def browser(request: HttpRequest) -> dict[str, object]:
    """What the page's own scripts need: where "Leave quickly" goes, and the
    opaque key the signed-in member's drafts are kept under."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "draft_owner": draft_owner(user) if signed_in else "",
    }
