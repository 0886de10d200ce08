"""A member's browser without JavaScript, for tests that talk to real servers.

It keeps cookies, reads the CSRF token from the page that holds a form, follows
redirects, and never raises on an error status or a refused connection: every
answer is recorded in ``statuses`` (0 for no answer), so a test can assert
that none was a server error.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    url: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def logged_in(self) -> bool:
        return 'action="/accounts/logout/"' in self.text


class WebClient:
    def __init__(self, base_url: str, *, session: str | None = None, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.statuses: list[int] = []
        if session:
            self.set_cookie(settings.SESSION_COOKIE_NAME, session)

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        self.cookies.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False,
                None, False, None, None, {},
            )
        )  # fmt: skip

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.base_url + path))

    def post(self, path: str, fields: dict[str, str], *, form_page: str | None = None) -> Answer:
        """Submit a form: read the token from ``form_page`` (default: ``path``), then POST."""
        page = self.get(form_page or path)
        token = CSRF_FIELD.search(page.text)
        if token is None:
            return page  # no form to submit: the page says why (an error, a 503)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)}).encode()
        url = self.base_url + path
        return self._open(urllib.request.Request(url, data=data, headers={"Referer": url}))

    def log_in(self, email: str, password: str) -> Answer:
        return self.post("/accounts/login/", {"login": email, "password": password})

    def _open(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                answer = Answer(
                    response.status,
                    response.url,
                    response.read().decode(errors="replace"),
                    dict(response.headers),
                )
        except urllib.error.HTTPError as error:
            answer = Answer(
                error.code, error.url, error.read().decode(errors="replace"), dict(error.headers)
            )
        except (urllib.error.URLError, OSError) as error:
            answer = Answer(0, request.full_url, str(error))
        self.statuses.append(answer.status)
        return answer
