"""The lock files pin every dependency pyproject.toml declares, at a version it allows.

A dependency added to pyproject.toml without `make lock` would reach a deployment
unpinned or not at all: the image installs requirements/base.txt, then the package
itself without its dependencies.
"""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCKS = {"base.txt": ("production",), "dev.txt": ("production", "test", "dev")}


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split()[0].split("==")
            pins[canonicalize_name(name)] = version
    return pins


def _declared(extras: tuple[str, ...]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"]]
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    itself = canonicalize_name(project["name"])  # the dev extra includes the test extra by name
    return [r for r in map(Requirement, lines) if canonicalize_name(r.name) != itself]


@pytest.mark.parametrize("lock", LOCKS)
def test_the_lock_pins_every_declared_dependency_within_its_range(lock):
    pins = _pins(lock)
    for requirement in _declared(LOCKS[lock]):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements/{lock}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pins[name]}, pyproject.toml asks {requirement}: "
            "run `make lock`"
        )


def test_dev_installs_what_deployments_run():
    base, dev = _pins("base.txt"), _pins("dev.txt")
    assert {name: dev.get(name) for name in base} == base
