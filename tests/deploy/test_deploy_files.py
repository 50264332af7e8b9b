"""deploy/: compose, Dockerfile and systemd units, checked against the real settings and commands.

Docker does not run on the machine these were written on, so compose is checked here
for structure (services, order, health checks, commands, settings) and, where
`docker-compose` is installed, by `docker-compose config`; the units by
`systemd-analyze verify` where it is installed.
"""

from __future__ import annotations

import configparser
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from sqlalchemy.engine import make_url

from intake_api.cli import main
from intake_api.settings import Settings
from tests.deploy.servers import DEPLOY, GUNICORN_CONF

ROOT = DEPLOY.parent
COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_IMAGE = {name for name, service in SERVICES.items() if "build" in service}
SETTINGS = {f"INTAKE_{name.upper()}" for name in Settings.model_fields}
UNITS = {
    "web": DEPLOY / "systemd" / "gcm-intake-web.service",
    "scheduler": DEPLOY / "systemd" / "gcm-intake-scheduler.service",
}


def _env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as compose and systemd read them, commented examples included."""
    pairs = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            pairs[match.group(1)] = match.group(2)
    return pairs


def _resolves(command: list[str]) -> bool:
    """`gcm-intake a b ...` names a real command of the CLI."""
    group: click.Command = main
    for word in command[1:]:
        if word.startswith("-") or not isinstance(group, click.Group):
            break
        found = group.get_command(click.Context(group), word)
        if found is None:
            return False
        group = found
    return group is not main


def _interpolated(value: str) -> str:
    """A value with each ${VAR...} as compose fills it in, with a stand-in."""
    return re.sub(r"\$\{[^}]*\}", "secret", value)


def _seconds(value: str) -> int:
    return int(value.rstrip("s"))


def _gunicorn_config() -> dict[str, Any]:
    return runpy.run_path(str(GUNICORN_CONF))


def _dockerfile_gunicorn_conf() -> str:
    copy = re.search(
        r"^COPY deploy/gunicorn\.conf\.py (\S+)$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE
    )
    assert copy, "the Dockerfile copies deploy/gunicorn.conf.py"
    return copy.group(1)


# compose.yaml ----------------------------------------------------------------------------


def test_the_services_of_a_production_round():
    assert {"migrate", "app", "scheduler", "postgres", "redis"} <= set(SERVICES)
    assert {"migrate", "app", "scheduler"} <= APP_IMAGE
    build = SERVICES["app"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (
        DEPLOY / "Dockerfile"
    ).resolve()


def test_every_command_is_a_real_one():
    conf_in_image = _dockerfile_gunicorn_conf()
    for name in APP_IMAGE:
        command = SERVICES[name]["command"]
        assert isinstance(command, list), name  # exec form: no shell between docker and the process
        if command[0] == "gunicorn":
            assert command[1:3] == ["-c", conf_in_image], name
        else:
            assert command[0] == "gcm-intake" and _resolves(command), command
    assert SERVICES["migrate"]["command"] == ["gcm-intake", "db", "upgrade"]
    assert SERVICES["scheduler"]["command"] == ["gcm-intake", "scheduler"]
    assert SERVICES["app"]["command"][0] == "gunicorn"


def test_every_intake_variable_is_a_real_setting():
    named = set()
    for name in APP_IMAGE:
        named |= set(SERVICES[name].get("environment", {}))
    named |= set(_env_file(DEPLOY / "env.example")) | set(
        _env_file(DEPLOY / "systemd" / "gcm-intake.env.example")
    )
    unknown = {v for v in named if v.startswith("INTAKE_")} - SETTINGS
    assert not unknown, unknown


def test_interpolated_variables_are_in_the_example_env_file():
    text = (DEPLOY / "compose.yaml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z_]+)", text))
    assert interpolated and interpolated <= set(_env_file(DEPLOY / "env.example"))
    assert all(
        service.get("env_file") == ".env" for name, service in SERVICES.items() if name in APP_IMAGE
    )


def test_app_and_scheduler_run_in_production_on_postgres_and_redis():
    for name in ("app", "scheduler", "migrate"):
        environment = SERVICES[name]["environment"]
        assert environment["INTAKE_ENVIRONMENT"] == "production", name
        store = make_url(_interpolated(environment["INTAKE_DATABASE_URL"]))
        assert store.get_backend_name() == "postgresql" and store.host == "postgres", name
        limits = make_url(environment["INTAKE_RATELIMIT_STORAGE_URL"])
        assert limits.drivername == "redis" and limits.host == "redis", name
    app = SERVICES["app"]["environment"]
    assert (
        int(app["INTAKE_PROXY_HOPS"]) >= 1 and app["FORWARDED_ALLOW_IPS"]
    )  # behind the host's TLS proxy
    assert int(app["WEB_CONCURRENCY"]) >= 2


def test_migration_runs_first_and_the_app_waits_for_healthy_services():
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES["migrate"]["restart"] == "no"
    for name in ("app", "scheduler"):
        assert (
            SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        ), name
    assert SERVICES["app"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_health_checks():
    probe = " ".join(SERVICES["app"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz" in probe and "status != 200" in probe
    assert "--bind" in SERVICES["app"]["command"] and "0.0.0.0:8000" in SERVICES["app"]["command"]
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert "ping" in SERVICES["redis"]["healthcheck"]["test"]


def test_stopping_leaves_gunicorn_time_to_finish_requests():
    graceful = _gunicorn_config()["graceful_timeout"]
    for name in ("app", "scheduler"):
        assert _seconds(SERVICES[name]["stop_grace_period"]) > graceful, name


def test_one_scheduler_leads_and_one_stands_by():
    assert SERVICES["scheduler"]["deploy"]["replicas"] == 2


def test_telegram_by_webhook_with_its_secret():
    example = _env_file(DEPLOY / "env.example")
    assert {"INTAKE_TELEGRAM_TOKEN", "INTAKE_TELEGRAM_WEBHOOK_SECRET"} <= set(example)
    command = SERVICES["telegram-webhook"]["command"]
    assert (
        _resolves(command)
        and "--set-webhook" in command
        and command[-1].endswith("/telegram/webhook")
    )


@pytest.mark.skipif(
    shutil.which("docker-compose") is None, reason="docker-compose is not installed"
)
def test_docker_compose_accepts_the_file(tmp_path):
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy)
    # docker-compose 1.29 (Debian's) predates the top-level `name`; it checks all the rest.
    compose = (copy / "compose.yaml").read_text()
    (copy / "compose.yaml").write_text(re.sub(r"^name: .*$", "", compose, flags=re.MULTILINE))
    (copy / ".env").write_text(
        (DEPLOY / "env.example").read_text().replace("POSTGRES_PASSWORD=", "POSTGRES_PASSWORD=x")
    )
    result = subprocess.run(
        ["docker-compose", "-f", str(copy / "compose.yaml"), "--profile", "setup", "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_copies_what_exists_and_runs_unprivileged():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for sources in re.findall(r"^COPY (.+) \S+$", dockerfile, re.MULTILINE):
        for source in sources.split():
            assert (ROOT / source).exists(), source
    assert "'.[production]'" in dockerfile  # gunicorn comes with the package's production extra
    assert re.search(r"^USER (?!root)\S+$", dockerfile, re.MULTILINE)
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd and yaml.safe_load(cmd.group(1))[:3] == [
        "gunicorn",
        "-c",
        _dockerfile_gunicorn_conf(),
    ]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert (
        ".venv*" in ignored and "**/.env" in ignored
    )  # no virtualenv or secrets in the build context


# systemd ---------------------------------------------------------------------------------


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


def test_units_start_the_real_commands_with_the_environment_file():
    web, scheduler = _unit(UNITS["web"])["Service"], _unit(UNITS["scheduler"])["Service"]
    assert shlex.split(web["ExecStart"])[1:] == ["-c", "/etc/gcm-intake/gunicorn.conf.py"]
    assert shlex.split(web["ExecStart"])[0].endswith("/gunicorn") and web["Type"] == "notify"
    command = shlex.split(scheduler["ExecStart"])
    assert command[0].endswith("/gcm-intake") and _resolves(["gcm-intake", *command[1:]])
    for service in (web, scheduler):
        assert service["EnvironmentFile"] == "/etc/gcm-intake/gcm-intake.env"
        assert service["User"] == "gcm-intake"
    assert _seconds(web["TimeoutStopSec"]) > _gunicorn_config()["graceful_timeout"]
    example = _env_file(DEPLOY / "systemd" / "gcm-intake.env.example")
    assert example["INTAKE_ENVIRONMENT"] == "production"
    assert make_url(example["INTAKE_DATABASE_URL"]).get_backend_name() == "postgresql"
    assert example["INTAKE_RATELIMIT_STORAGE_URL"].startswith("redis://")


@pytest.mark.parametrize("unit", UNITS)
def test_units_are_hardened(unit):
    service = _unit(UNITS[unit])["Service"]
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
        "UMask": "0077",
    }
    assert {key: service.get(key) for key in expected} == expected
    assert "standby" in UNITS["scheduler"].read_text().lower()


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
def test_systemd_accepts_the_units(tmp_path):
    bin_dir = Path(sys.executable).parent
    for path in UNITS.values():
        (tmp_path / path.name).write_text(
            path.read_text().replace("/opt/gcm-intake/bin/", f"{bin_dir}/")
        )
    files = [str(tmp_path / p.name) for p in UNITS.values()]
    verify = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *files],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0 and verify.stderr == "", (
        verify.stderr
    )  # unknown keys are only warnings
    for file in files:
        security = subprocess.run(
            ["systemd-analyze", "security", "--offline=yes", file],
            capture_output=True,
            text=True,
            timeout=60,
        )
        exposure = re.search(
            r"Overall exposure level for \S+: ([\d.]+)", security.stdout + security.stderr
        )
        assert exposure and float(exposure.group(1)) <= 2.5, security.stdout[-500:]


# gunicorn's master calls these from its SIGCHLD handler (reap_workers), which the next
# worker's exit can interrupt: a hook that imports there can meet its module half made.
MASTER_SIGNAL_HOOKS = ("child_exit",)


@pytest.mark.parametrize("hook", MASTER_SIGNAL_HOOKS)
def test_hooks_run_in_the_masters_signal_handler_import_nothing(hook, tmp_path):
    script = f"""
import os, runpy, sys, types
config = runpy.run_path({str(GUNICORN_CONF)!r})
before = set(sys.modules)
worker = types.SimpleNamespace(pid=os.getpid() + 1000000)
config[{hook!r}](types.SimpleNamespace(log=None), worker)
print(sorted(set(sys.modules) - before))
"""
    run = subprocess.run(
        [sys.executable, "-c", script],
        env={"PATH": "/usr/bin:/bin", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", f"{hook} imported {run.stdout.strip()}"
