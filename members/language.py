"""The interface language: a member's choice, else the browser's.

Visitors get the language of their browser (Accept-Language, read by Django's
LocaleMiddleware) or the one they picked in the switcher (a cookie). A member
chooses theirs on the profile page or with the same switcher; it is stored on the
account, so it follows them to every browser, and ``MemberLanguageMiddleware``
applies it on every request from login on, over the cookie and the browser.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.text import capfirst
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from members.models import User


def shipped_languages() -> list[tuple[str, str]]:
    """(code, name in that language) of every language the site ships."""
    return [
        (code, capfirst(translation.get_language_info(code)["name_local"]))
        for code, _ in settings.LANGUAGES
    ]


def is_shipped(code: str) -> bool:
    return code in {code for code, _ in settings.LANGUAGES}


def member_language_set(*, member: User, language: str) -> User:
    """Store a member's interface language ("" follows the browser)."""
    if language and not is_shipped(language):
        raise ValueError(f"not a shipped language: {language!r}")
    if member.language != language:
        member.language = language
        member.save(update_fields=["language"])
    return member


class MemberLanguageMiddleware:
    """After authentication: a member's chosen language wins over cookie and browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "language", "") if user.is_authenticated else ""
        if language and is_shipped(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
            # Logged out later in this browser, the site stays in their language.
            if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH,
                    domain=settings.LANGUAGE_COOKIE_DOMAIN,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
            return response
        return self.get_response(request)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The switcher: Django's set_language (cookie, redirect back), and for a
    member also their stored choice, which would otherwise win on the next page."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and is_shipped(language):
        member_language_set(member=request.user, language=language)
    return response
