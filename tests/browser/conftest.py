"""A real `gcm-intake serve` process and Debian's Chromium driven by Playwright.

Chromium is never downloaded: Playwright launches /usr/bin/chromium. Without it
these tests skip with a reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.processes import clean_env as _clean_env
from tests.processes import free_port as _free_port
from tests.processes import wait_for as _wait_for

CHROMIUM = os.environ.get("INTAKE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium() -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"{reason}; browser tests are mandatory under CI=true")
    pytest.skip(reason)


class LiveServer:
    def __init__(self, url: str, directory: Path) -> None:
        self.url = url
        self.directory = directory

    @property
    def database(self) -> Path:
        return self.directory / "instance" / "gcm_intake.db"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("live")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "intake_api.cli", "serve", "--port", str(port)],
        cwd=directory,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process)
        yield LiveServer(f"http://127.0.0.1:{port}", directory)
    finally:
        process.terminate()
        process.communicate(timeout=20)


@pytest.fixture(scope="package")
def chromium() -> Iterator[object]:
    """One browser for the browser tests, closed after them.

    Playwright's sync API keeps an event loop running in the main thread while it is
    open: left open for the session, it would break every later test that runs asyncio
    (the Telegram broadcast, PTB's client).
    """
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(
        viewport={"width": 1024, "height": 900}, bypass_csp=True
    )  # to inject axe
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
