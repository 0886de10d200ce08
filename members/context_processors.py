from django.http import HttpRequest

from members.access import has_two_factor


def discreet(request: HttpRequest) -> dict[str, object]:
    """Discreet mode: base.html gives the tab a neutral title and icon."""
    user = getattr(request, "user", None)
    return {
        "discreet_mode": bool(user is not None and user.is_authenticated and user.discreet_mode)
    }


def staff_powers(request: HttpRequest) -> dict[str, object]:
    """Context for the banner a moderator sees while their powers are locked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.staff_powers_locked:
        return {}
    return {"staff_powers_locked": True, "staff_has_two_factor": has_two_factor(user)}
