"""Every benchmark still runs (tiny sizes, one round): a smoke test, nothing timed is asserted.

A run fails (exit 1) on anything the service did wrong under its load: a duplicate row, a
message missing or sent twice, an answer outside 2xx/3xx (``bench.common.problem``).
"""

from __future__ import annotations

import shutil

import pytest

import bench.__main__ as bench_main
from bench import common
from bench.__main__ import main
from tests.conftest import IN_CI, require_postgres


def require_wrk() -> None:
    if shutil.which("wrk") is not None:
        return
    if IN_CI:
        pytest.fail("wrk is not installed; the HTTP benchmarks are mandatory under CI=true")
    pytest.skip("wrk is not installed (apt-get install wrk)")


@pytest.fixture(autouse=True)
def _no_problems_left():  # type: ignore[no-untyped-def]
    common.PROBLEMS.clear()
    yield
    common.PROBLEMS.clear()


pytestmark = pytest.mark.slow


@pytest.mark.parametrize("benchmark", ["A", "B2", "B3", "B7"])
def test_in_process_benchmarks_run(benchmark, capsys):
    assert main(["--only", benchmark, "--quick", "--rounds", "1", "--databases", "sqlite"]) == 0
    assert "ratio" in capsys.readouterr().out


@pytest.mark.parametrize("benchmark", ["B1", "B4", "B5", "B6x", "B8"])
def test_http_benchmarks_run(benchmark, capsys):
    require_wrk()
    assert main(["--only", benchmark, "--quick", "--rounds", "1", "--databases", "sqlite"]) == 0
    out = capsys.readouterr().out
    assert "ratio" in out
    if benchmark == "B6x":  # both halves of the clause: the form's p99 and the webhook's
        assert "B6x form POST" in out and "B6x Telegram webhook" in out
    if benchmark == "B8":  # every page, and the 304 against the static file's
        for page in ("dashboard", "repository", "search-rare", "search-common", "review"):
            assert f"{page} /en/" in out
        assert "cached /en/pledges (If-None-Match: 304)" in out
        assert "search-common /en/pledges?q=" in out and "first reader after a change" in out
        assert "B8 sqlite 1,000 items" in out


def test_benchmarks_run_on_postgresql(capsys):
    require_postgres()
    assert main(["--only", "B2", "--quick", "--rounds", "1", "--databases", "postgresql"]) == 0
    assert "postgresql" in capsys.readouterr().out


def test_a_problem_under_load_fails_the_run(monkeypatch, capsys):
    def sends_twice(**_options):  # type: ignore[no-untyped-def]
        common.check_delivered("B4 sqlite", twice=3, missing=0, refused=1)

    monkeypatch.setitem(bench_main.BENCHMARKS, "B4", sends_twice)
    assert main(["--only", "B4", "--quick", "--rounds", "1", "--databases", "sqlite"]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM: B4 sqlite: 3 twice" in out
    assert "PROBLEM: B4 sqlite: 1 answered outside 2xx/3xx" in out


def test_without_wrk_its_benchmarks_are_skipped_with_a_message(monkeypatch, capsys):
    ran: list[str] = []
    monkeypatch.setitem(bench_main.BENCHMARKS, "B1", lambda **_o: ran.append("B1"))
    monkeypatch.setattr(bench_main.shutil, "which", lambda _name: None)
    assert main(["--only", "B1", "--quick", "--rounds", "1", "--databases", "sqlite"]) == 0
    assert ran == []
    assert "B1 skipped: it needs wrk (apt-get install wrk)" in capsys.readouterr().out
