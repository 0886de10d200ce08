"""The Django admin is held to the moderator pages' rules: allauth's login, two factors.

Django's own admin login form checks only the password, which would let an
admin skip the second factor that allauth asks for; it is replaced by a
redirect to allauth's login. And like the moderator pages, the admin opens
only to a staff account whose session passed its second factor.
"""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest

from members.access import second_factor_verified

_staff_may_enter = admin.site.has_permission


def _has_permission(request: HttpRequest) -> bool:
    return _staff_may_enter(request) and second_factor_verified(request, request.user)


admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.has_permission = _has_permission  # type: ignore[method-assign]
