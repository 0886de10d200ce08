"""Every page a demo role can reach by following links is valid HTML (the W3C Nu checker).

For each role (visitor, a member waiting for approval, the demo activist, expert
and moderator) the demo is seeded, the role signs in, and every internal link
is followed breadth-first from "/" and the main lists (GET only, fragments
stripped, each address once). Any 5xx fails the test. Every text/html page is
saved to a folder and the Nu HTML Checker (npm's vnu-jar, run with Java) checks
them all in one run per role; any error fails the test, listed with the address,
the message and the extract (the validator suite: without Java or the jar the
test skips, and fails when REQUIRE_SUITES includes validator).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from members.models import Status, User
from tests.conftest import UserFactory, sign_in
from tests.suites import skip_suite

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
VNU = ("java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout")
START = (
    "/",
    "/forum/",
    "/lessons/",
    "/events/",
    "/library/",
    "/library/collections/",
    "/library/review/",
    "/library/?q=curfew",
    "/members/",
    "/notifications/",
    "/search/?q=police",
    "/members/moderation/pending/",
    "/members/moderation/audit/",
    "/forum/moderation/flags/",
)
# Signing out would end the crawl; static files and downloads are not pages.
SKIP_PREFIXES = ("/accounts/logout", "/static/", "/media/")
SKIP_SUFFIXES = (".json", ".ics", ".csv", ".xml", ".txt", ".ico", ".atom", ".rss")
MAX_PAGES = 800
# Pages of one kind (one URL pattern and the same query parameters) differ only
# in their data: all 32 demo threads and all lessons and profiles are visited,
# but a form repeated for every post (quote, flag) or a list with each of its
# filters only a few times.
PER_KIND = 32
PER_KIND_WITH_QUERY = 2
ROLES = {
    "visitor": None,
    "pending": "pending@crawl.example",
    "member": "activist@demo.example",
    "expert": "expert@demo.example",
    "moderator": "moderator@demo.example",
}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def internal_links(page_url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        url, _fragment = urldefrag(urljoin("http://testserver" + page_url, href))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
            continue
        path = parts.path or "/"
        if path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES):
            continue
        found.append(path + (f"?{parts.query}" if parts.query else ""))
    return found


def kind(url: str) -> str:
    parts = urlsplit(url)
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        name = parts.path
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return name + "?" + "&".join(keys)


def crawl(client: Client, folder: Path) -> tuple[dict[str, str], list[str]]:
    """Pages saved ({file name: address}) and the 5xx answers met."""
    queue, seen = deque(START), set(START)
    kinds: Counter[str] = Counter(kind(url) for url in START)

    def follow(link: str) -> None:
        if link in seen:
            return
        seen.add(link)
        found = kind(link)
        if kinds[found] >= (PER_KIND_WITH_QUERY if "?" in link else PER_KIND):
            return
        kinds[found] += 1
        queue.append(link)

    saved: dict[str, str] = {}
    failures: list[str] = []
    crawled = 0
    while queue and crawled < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        crawled += 1
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            for link in internal_links(url, f'<a href="{response["Location"]}">'):
                follow(link)
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        name = f"{len(saved):04d}.html"
        (folder / name).write_text(html, encoding="utf-8")
        saved[name] = url
        for link in internal_links(url, html):
            follow(link)
    assert not queue, f"the crawl stopped at {MAX_PAGES} pages with {len(queue)} left: raise it"
    return saved, failures


def nu_errors(folder: Path, saved: dict[str, str]) -> list[str]:
    result = subprocess.run(
        [*VNU, str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(result.stdout or "{}").get("messages", [])
    assert messages or result.returncode == 0, result.stderr
    errors = []
    for message in messages:
        name = Path(urlsplit(message.get("url", "")).path).name
        errors.append(
            f"{saved.get(name, name)}:{message.get('lastLine', '?')}: {message['message']}"
            f"\n    {message.get('extract', '').strip()}"
        )
    return sorted(errors)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_is_valid_html(role: str, settings, tmp_path, capsys) -> None:
    if shutil.which("java") is None:
        skip_suite("validator", "java is not on PATH (Debian: default-jre-headless)")
    if not VNU_JAR.exists():
        skip_suite("validator", f"{VNU_JAR} is missing (npm ci installs vnu-jar)")
    settings.DEMO_MODE = True
    settings.DEMO_MODERATOR_WITHOUT_MFA = True
    call_command("seed_demo", verbosity=0)
    # The demo has no one waiting for approval: one for the pending role and
    # for the moderator's queue.
    UserFactory(email=ROLES["pending"], status=Status.PENDING, approved_at=None)
    client = Client()
    if ROLES[role] is not None:
        sign_in(client, User.objects.get(email=ROLES[role]))

    started = time.monotonic()
    saved, failures = crawl(client, tmp_path)
    crawled_in = time.monotonic() - started
    errors = nu_errors(tmp_path, saved) if saved else []
    with capsys.disabled():
        print(
            f"\n[crawl] {role}: {len(saved)} pages ({crawled_in:.1f}s), "
            f"{len(failures)} 5xx, {len(errors)} Nu errors "
            f"({time.monotonic() - started:.1f}s with the checker)"
        )
    if role == "moderator":
        # Crawled with a moderator's powers, not a member's 403s.
        assert client.get("/members/moderation/pending/").status_code == 200
    assert not failures, "server errors:\n" + "\n".join(failures)
    assert not errors, f"{len(errors)} Nu HTML Checker errors:\n" + "\n".join(errors)
