from django.http import HttpRequest

from notifications import selectors


def inbox(request: HttpRequest) -> dict[str, object]:
    """The unread badge and the newest id, for the header and the live script."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_member:
        return {}
    counts = selectors.inbox_counts(member=user)
    return {"inbox_unread": counts["unread"], "inbox_last_id": counts["last_id"]}
