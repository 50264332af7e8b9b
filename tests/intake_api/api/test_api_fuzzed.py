"""Schemathesis fuzzes the staff API from its own OpenAPI document: every check, zero failures.

A small budget here (part of the normal suite); `.ci/run` runs the same longer
(``python -m tests.intake_api.api.fuzzing``). Positive and negative data: what the document
admits is accepted, what it refuses is refused with a documented JSON error, nothing answers
5xx, every response matches its schema, as an administrator and as an organiser of one review.
"""

from __future__ import annotations

import contextlib
import os

import pytest

from tests.conftest import fresh_postgres_schema
from tests.intake_api.api.fuzzing import schemathesis, served_api

SECONDS = int(os.environ.get("GCM_FUZZ_SECONDS", "20"))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def served(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("fuzz")
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            url = stack.enter_context(fresh_postgres_schema())
        else:
            url = f"sqlite:///{directory / 'fuzz.db'}"
        yield stack.enter_context(served_api(url, directory / "instance"))


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "organiser"])
def test_schemathesis_finds_nothing(served, role):
    document, tokens = served
    result = schemathesis(document, tokens[role], max_examples=10, max_time=SECONDS, seed=20261203)
    assert result.returncode == 0, result.stdout[-15000:] + result.stderr[-3000:]
