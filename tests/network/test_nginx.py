"""deploy/nginx.conf in front of a real server: library files go out through
X-Accel-Redirect with the sandbox headers, and the internal location is closed.

nginx keeps only some of the upstream's headers on an internal redirect
(Content-Type, Content-Disposition, Cache-Control), so the config must set the
sandbox and nosniff again; only a real nginx shows that. The suite `nginx`
(Debian's nginx-light; .ci/run installs it): without it the test skips, and
fails when REQUIRE_SUITES includes nginx.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from library import services
from tests.library.conftest import pdf_bytes
from tests.servers import free_port, server_env, start_daphne, stop
from tests.suites import skip_suite

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_config(folder: Path, *, port: int, upstream: int, media: Path) -> Path:
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = (
        site.replace("server web:8000;", f"server 127.0.0.1:{upstream};")
        .replace("server ws:8001;", f"server 127.0.0.1:{upstream};")
        .replace("listen 80;", f"listen 127.0.0.1:{port};")
        .replace("alias /srv/media/library/;", f"alias {media}/library/;")
        .replace("/var/log/nginx/access.log", str(folder / "access.log"))
    )
    assert f"alias {media}/library/;" in site, "deploy/nginx.conf changed its alias"
    temp = "\n".join(
        f"  {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "site.conf").write_text(site)
    config = folder / "nginx.conf"
    # Started by root, nginx's workers would run as nobody, who cannot read pytest's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    http = f"  include /etc/nginx/mime.types;\n{temp}\n  include {folder / 'site.conf'};"
    config.write_text(
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'};\nevents {{ worker_connections 64; }}\n"
        f"http {{\n{http}\n}}\n"
    )
    return config


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_library_files_go_out_through_nginx_with_the_sandbox(
    transactional_db, tmp_path, settings, make_user
) -> None:
    if not Path(NGINX).exists():
        skip_suite("nginx", "nginx not found (apt-get install nginx-light)")
    media = settings.MEDIA_ROOT  # the test's own (tests/conftest.py), the server's too
    expert = make_user(is_expert=True)
    public = services.create_resource(
        actor=expert,
        data=services.ResourceData(kind="report", title="Public report", visibility="public"),
        staged=[services.stage_file(actor=expert, name="public.pdf", data=pdf_bytes("Open"))],
    )
    members_only = services.create_resource(
        actor=expert,
        data=services.ResourceData(kind="report", title="Members report"),
        staged=[services.stage_file(actor=expert, name="members.pdf", data=pdf_bytes("Closed"))],
    )
    upstream = free_port()
    server, _ = start_daphne(
        server_env(
            LIBRARY_ACCEL_REDIRECT="/protected-library/",
            ALLOWED_HOSTS="127.0.0.1,localhost",
        ),
        upstream,
    )
    port = free_port()
    folder = tmp_path / "nginx"
    folder.mkdir()
    config = nginx_config(folder, port=port, upstream=upstream, media=media)
    nginx = subprocess.Popen([NGINX, "-c", str(config), "-g", "daemon off;"])
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                get(f"{base}/nginx-health")
                break
            except OSError:
                time.sleep(0.2)
        file = public.files.get()
        status, headers, body = get(base + file.get_absolute_url())
        assert status == 200 and body.startswith(b"%PDF")
        assert body == services.read_file(file)  # the bytes nginx read from the volume
        assert headers["Content-Security-Policy"] == "sandbox"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Content-Disposition"].startswith("inline;")
        assert "X-Accel-Redirect" not in headers
        # The internal location is not reachable from outside, even with the stored name.
        assert get(f"{base}/protected-library/{file.stored_as}")[0] == 404
        # A members-only file is 404 to a visitor through nginx too.
        assert get(base + members_only.files.get().get_absolute_url())[0] == 404
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        stop(server)
