"""Every response carries the security headers and a strict Content-Security-Policy.

"Every" means: each URL pattern of the project (walked from the resolver, so
allauth's and the admin's too), as a visitor and as a member, with GET and
POST, whatever the status; plus the answers that no view makes: static files
from whitenoise, the HTTPS redirect, a forged Host (400), a CSRF failure
(403), a crash (500), an unknown URL (404) and a rate limit (429).

The policy is parsed and held to the rules, not compared with a string, so a
weakened policy fails here as well as in network/checks.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from members.models import User
from tests.conftest import sign_in
from tests.network.url_patterns import all_routes

pytestmark = pytest.mark.django_db

FEATURES_OFF = ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort"]
SCRIPT_DIRECTIVES = ["script-src", "script-src-elem", "script-src-attr"]


@pytest.fixture(autouse=True)
def _production_error_pages(settings) -> None:
    # Under DEBUG django-csp leaves 404 and 500 pages alone (Django's debug
    # pages use inline styles); production is what must be covered.
    settings.DEBUG = False


def plausible_values(member: User) -> dict[str, object]:
    """A value for every path parameter in the project; a new name fails loudly (KeyError)."""
    return {
        "pk": 1,
        "object_id": 1,
        "id": 1,
        "revision": 1,
        "content_type_id": 1,
        "status": 404,
        "slug": "use-of-force",
        "handle": member.handle,
        "key": "made-up-key",
        "token": "x" * 43,
        "uidb36": "1",
        "app_label": "members",
        "url": "no-such-page/",
        "role": "expert",
        "action": "pin",
        "registration": 1,
        "year": 2031,
        "month": 6,
        "file_pk": 1,
        "name": "report.pdf",
        "item": 1,
        "event": 1,
        "material": 1,
    }


def parse_csp(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"{words[0]} given twice"
            directives[words[0]] = words[1:]
    return directives


def csp_problems(header: str | None, host: str) -> list[str]:
    if not header:
        return ["no Content-Security-Policy"]
    csp = parse_csp(header)
    problems = []
    if "default-src" not in csp:
        problems.append("no default-src")
    for name in SCRIPT_DIRECTIVES:
        sources = csp.get(name, csp.get("default-src", []) if name == "script-src" else [])
        bad = [s for s in sources if s not in {"'self'", "'none'"} and not s.startswith("'nonce-")]
        if bad:
            problems.append(f"{name} allows {bad}")
    for name, expected in [
        ("frame-ancestors", ["'none'"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'none'"]),
        ("form-action", ["'self'"]),
    ]:
        if csp.get(name) != expected:
            problems.append(f"{name} is {csp.get(name)}")
    connect = csp.get("connect-src", [])
    if set(connect) != {"'self'", f"ws://{host}"}:
        problems.append(f"connect-src is {connect}, not 'self' and the socket origin")
    if "'unsafe-eval'" in header:
        problems.append("unsafe-eval")
    return problems


def header_problems(response, host: str = "testserver") -> list[str]:
    headers = response.headers
    problems = csp_problems(headers.get("Content-Security-Policy"), host)
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options: {headers.get('X-Content-Type-Options')}")
    if headers.get("Referrer-Policy") not in {"same-origin", "no-referrer"}:
        problems.append(f"Referrer-Policy: {headers.get('Referrer-Policy')}")
    if headers.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append(f"Cross-Origin-Opener-Policy: {headers.get('Cross-Origin-Opener-Policy')}")
    if headers.get("Cross-Origin-Resource-Policy") != "same-origin":
        problems.append(
            f"Cross-Origin-Resource-Policy: {headers.get('Cross-Origin-Resource-Policy')}"
        )
    permissions = {
        item.strip() for item in headers.get("Permissions-Policy", "").split(",") if item.strip()
    }
    missing = [feature for feature in FEATURES_OFF if f"{feature}=()" not in permissions]
    if missing:
        problems.append(f"Permissions-Policy does not turn off {missing}")
    return problems


def test_every_url_pattern_answers_with_the_security_headers(
    client: Client, make_user: Callable[..., User]
) -> None:
    member = make_user()
    values = plausible_values(member)
    routes = all_routes()
    assert len(routes) > 100, "the walk found the project's URL patterns"
    failures = []
    statuses = set()
    for route in routes:
        path = route.fill(values)
        for role in ["anonymous", "member"]:
            for method in ["get", "post"]:
                client.logout()
                if role == "member":
                    sign_in(client, member)
                response = getattr(client, method)(path)
                statuses.add(response.status_code)
                problems = header_problems(response)
                if problems:
                    failures.append(
                        f"{role} {method.upper()} {path} ({response.status_code}): {problems}"
                    )
    assert not failures, f"{len(failures)} responses:\n" + "\n".join(failures[:40])
    # The walk met redirects, pages, refusals and missing objects, not one kind of answer.
    assert {200, 302, 403, 404, 405} <= statuses, statuses


@pytest.mark.parametrize(
    "path", ["/static/network/site.css", "/static/network/live.js", "/static/network/favicon.svg"]
)
def test_static_files_from_whitenoise_carry_the_headers(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert header_problems(response) == []


def test_the_https_redirect_carries_the_headers(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/lessons/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/lessons/"
    assert header_problems(response) == []


def test_login_and_waiting_redirects_carry_the_headers(client: Client) -> None:
    response = client.get("/forum/")
    assert response.status_code == 302
    assert header_problems(response) == []


def test_error_pages_carry_the_headers(client: Client, make_user: Callable[..., User]) -> None:
    not_found = client.get("/no/such/page/")
    assert not_found.status_code == 404
    assert header_problems(not_found) == []

    forged_host = client.get("/", headers={"host": "attacker.example"})
    assert forged_host.status_code == 400
    # The policy still holds; only the socket origin is left out for a Host we refuse.
    assert csp_problems(forged_host.headers.get("Content-Security-Policy"), "testserver") == [
        "connect-src is [\"'self'\"], not 'self' and the socket origin"
    ]
    assert header_problems(forged_host)[1:] == []

    csrf = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "a@b.example"})
    assert csrf.status_code == 403
    assert header_problems(csrf) == []

    not_allowed = client.put("/")
    assert not_allowed.status_code == 405
    assert header_problems(not_allowed) == []


def test_rate_limited_answer_carries_the_headers(client: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    client.post("/accounts/login/", {"login": "someone@example.org", "password": "wrong"})
    limited = client.post("/accounts/login/", {"login": "someone@example.org", "password": "x"})
    assert limited.status_code == 429
    assert header_problems(limited) == []


@pytest.mark.urls("tests.network.urls_for_errors")
def test_a_crash_and_a_refusal_carry_the_headers() -> None:
    client = Client(raise_request_exception=False)
    crash = client.get("/broken/")
    assert crash.status_code == 500
    assert header_problems(crash) == []
    refused = client.get("/forbidden/")
    assert refused.status_code == 403
    assert header_problems(refused) == []


def test_the_socket_origin_follows_the_scheme(client: Client) -> None:
    """live.js connects to wss:// on an HTTPS page: that origin, not ws://, is allowed."""
    response = client.get("/", secure=True)
    assert parse_csp(response["Content-Security-Policy"])["connect-src"] == [
        "'self'",
        "wss://testserver",
    ]


@pytest.mark.parametrize("charset", ["utf-7", "UTF-16", "latin-1", "no-such-charset"])
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/forum/new/", "/forum/preview/", "/lessons/new/"]
)
@pytest.mark.parametrize("signed_in", [True, False])
def test_a_form_in_a_charset_other_than_utf8_gets_the_styled_400_with_the_headers(
    make_user: Callable[..., User], path: str, charset: str, signed_in: bool
) -> None:
    """``charset=utf-7`` made an unstyled 500 without any security header (issue 15)."""
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    if signed_in:
        client.force_login(make_user())
    response = client.generic(
        "POST",
        path,
        f"body=%2BADw-script%2BAD4-&login=a%40b.example&csrfmiddlewaretoken={token}".encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "/static/network/site.css" in html and "<title>" in html
    assert header_problems(response) == []


def test_a_utf8_form_is_still_read(client: Client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user())
    for charset in ("utf-8", "UTF-8"):
        response = client.generic(
            "POST",
            "/forum/preview/",
            b"body=**caf%C3%A9**",
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
        )
        assert response.status_code == 200, response.content.decode()[:500]
        assert "<strong>café</strong>" in response.content.decode()
