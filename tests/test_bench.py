"""Every benchmark still runs (tiny sizes, one round): a smoke test, nothing timed is asserted."""

from __future__ import annotations

import shutil

import pytest

from bench.__main__ import main
from tests.conftest import require_postgres

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("benchmark", ["A", "B2", "B3", "B7"])
def test_in_process_benchmarks_run(benchmark, capsys):
    assert main(["--only", benchmark, "--quick", "--rounds", "1", "--databases", "sqlite"]) == 0
    assert "ratio" in capsys.readouterr().out


@pytest.mark.parametrize("benchmark", ["B1", "B4", "B5", "B6x", "B8"])
def test_http_benchmarks_run(benchmark, capsys):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")
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
