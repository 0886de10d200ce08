"""Every package the network depends on is pinned in constraints.txt, at the version installed.

A dependency added to pyproject.toml without a pin, or an upgrade in the
environment without a new constraints.txt, fails here: the suite only vouches
for the versions it ran on.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT = "practitioner-network"


def pinned() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[canonicalize_name(name)] = version
    return pins


def dependencies() -> set[str]:
    """The project's requirements (with the dev extra), and theirs, all the way down."""
    found: dict[str, set[str]] = {}
    todo = [(PROJECT, {"dev"})]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if key in found and extras <= found[key]:
            continue
        found[key] = found.get(key, set()) | extras
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            wanted = extras | {""}
            if requirement.marker and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in wanted
            ):
                continue
            todo.append((requirement.name, set(requirement.extras)))
    found.pop(canonicalize_name(PROJECT))
    return set(found)


def test_every_dependency_is_pinned_at_the_installed_version() -> None:
    pins = pinned()
    needed = dependencies()
    assert {"django", "django-allauth", "redis", "bleach", "pytest"} <= needed
    missing = sorted(needed - set(pins))
    assert not missing, f"add to constraints.txt: {missing}"
    drifted = {
        name: (pins[name], metadata.version(name))
        for name in needed
        if metadata.version(name) != pins[name]
    }
    assert not drifted, f"constraints.txt pins (left) differ from what is installed: {drifted}"


def test_make_and_the_dockerfile_install_with_the_constraints() -> None:
    # Every install of the project (make run, make test, the image) takes the
    # pinned versions; only pip itself is upgraded freely, before them.
    installs = [
        (path, line.strip())
        for path in ("Makefile", "Dockerfile")
        for line in (REPO_ROOT / path).read_text().splitlines()
        if "pip install" in line and "--upgrade pip" not in line
    ]
    assert {path for path, _ in installs} == {"Makefile", "Dockerfile"}
    unpinned = [line for _, line in installs if "-c constraints.txt" not in line]
    assert not unpinned, f"installs without the constraints: {unpinned}"
