"""Fuzz the staff API from its own OpenAPI document with Schemathesis, all checks, as each role.

Used by ``test_api_fuzzed.py`` (a small budget, in the normal suite) and by ``.ci/run``
(``python -m tests.intake_api.api.fuzzing --max-time 240``, a bounded longer run). The
app runs on a loopback port with a migrated SQLite (or PostgreSQL) store holding inputs,
pledges, practices and registrations of two reviews; Schemathesis runs as an
administrator and as an organiser of one review, each with its own bearer token.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from intake_api.app import create_app
from intake_api.runtime import Runtime, build_runtime
from intake_api.settings import Settings
from intake_api.staff import add_staff, issue_token
from models.migrate import upgrade
from tests.factories import input_answers

ROOT = Path(__file__).resolve().parents[3]
HOOKS = "tests.intake_api.api.schemathesis_hooks"


def seed(runtime: Runtime) -> dict[str, str]:
    """Records in two reviews, and a bearer token per role: admin, organiser of escwa."""
    service = runtime.service
    for n, review in enumerate(["escwa", "escwa", "unece"]):
        service.submit_input(
            input_answers(review=review), channel="web", message_id=f"seed-{n}", locale="en"
        )
    service.submit_pledge(
        {
            "organisation": "Ministry of Labour",
            "stakeholder_group": "government",
            "review": "escwa",
            "title": "Fair recruitment by 2027",
            "objectives": ["6"],
            "consent_store": "on",
            "text": "We will abolish recruitment fees for migrant workers by 2027.",
        },
        channel="web",
        message_id="seed-pledge",
        locale="en",
    )
    service.register(
        {
            "review": "escwa",
            "name": "Rana K.",
            "stakeholder_group": "youth",
            "country": "LB",
            "contact_email": "rana@example.org",
            "attendance_mode": "virtual",
            "consent_store": "on",
        },
        channel="web",
        message_id="seed-registration",
        locale="en",
    )
    admin = add_staff(runtime.engine, email="admin@un.example", role="admin", reviews=[])
    organiser = add_staff(
        runtime.engine, email="org@un.example", role="organiser", reviews=["escwa"]
    )
    return {
        "admin": issue_token(runtime.engine, staff_id=admin.id or 0),
        "organiser": issue_token(runtime.engine, staff_id=organiser.id or 0),
    }


REQUEST_TIMEOUT_S = 60
RESPONSE_LIMIT_S = 30  # Schemathesis' default is 10 s


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass  # thousands of generated requests: the run's report says what matters


@contextmanager
def served_api(database_url: str, instance: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The app on a free loopback port: (its OpenAPI document's URL, tokens by role)."""
    runtime = build_runtime(
        Settings(
            database_url=database_url,
            instance_path=instance,
            secret_key="fuzzing-secret-key-not-for-production",
        )
    )
    upgrade(runtime.engine)
    tokens = seed(runtime)
    server = make_server(
        "127.0.0.1", 0, create_app(runtime=runtime), threaded=True, request_handler=_Quiet
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json", tokens
    finally:
        server.shutdown()
        runtime.engine.dispose()


def schemathesis(
    document: str,
    token: str,
    *,
    max_examples: int,
    max_time: int | None = None,
    seed: int | None = None,
    extra: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """One run with every check, positive and negative data, every phase; its output kept."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        document,
        "--checks",
        "all",
        "--mode",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(max_examples),
        "--workers",
        "1",
        "--no-color",
        "--suppress-health-check",
        "too_slow,filter_too_much",
        # A summary report over the fuzzer's own records takes seconds (the disclosure
        # control's search: 3.5-4 s alone at about 1,100 records, 20 s beside a second run):
        # a known slowness, noted for the speed work, that must not pass for "no answer".
        # Anything slower than RESPONSE_LIMIT_S still fails the run.
        "--request-timeout",
        str(REQUEST_TIMEOUT_S),
        "--max-response-time",
        str(RESPONSE_LIMIT_S),
    ]
    if max_time:
        command += ["--max-time", str(max_time)]
    if seed is not None:
        command += ["--seed", str(seed)]
    command += extra or []
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=environment, check=False
    )  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=int, default=240, help="seconds per role")
    parser.add_argument("--max-examples", type=int, default=200, help="cases per operation")
    parser.add_argument(
        "--seed",
        type=int,
        default=int(os.environ.get("GCM_FUZZ_SEED", "20261203")),
        help="the same cases on every run unless changed (GCM_FUZZ_SEED)",
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="a temporary SQLite file, or a fresh schema on INTAKE_TEST_POSTGRES",
    )
    parser.add_argument("extra", nargs="*", help="more options for `schemathesis run` (after --)")
    args = parser.parse_args()
    import tempfile

    from tests.conftest import fresh_postgres_schema

    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        if args.backend == "postgresql":
            url = stack.enter_context(fresh_postgres_schema())
        else:
            url = f"sqlite:///{directory}/fuzz.db"
        with served_api(url, Path(directory) / "instance") as (document, tokens):
            failed = False
            for role, token in tokens.items():
                result = schemathesis(
                    document,
                    token,
                    max_examples=args.max_examples,
                    max_time=args.max_time,
                    seed=args.seed,
                    extra=args.extra,
                )
                print(
                    f"== Schemathesis as {role} on {args.backend}: exit {result.returncode}\n{result.stdout[-20000:]}{result.stderr[-5000:]}"
                )
                failed |= result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
