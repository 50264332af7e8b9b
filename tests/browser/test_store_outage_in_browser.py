"""A person in Debian's Chromium sends the input form while PostgreSQL is stopped, then again once it is back.

(Part of the fault suite of ``tests/faults``; here for the browser fixtures, which may be
started once per session.)

A real `gcm-intake serve` on the private PostgreSQL server. The person fills every field
in Arabic, presses Send while the server is stopped, and sees the 503 page: the message
that nothing was stored yet, and everything they typed. PostgreSQL starts again; they
press Send again, without retyping anything, and see their receipt; the input is stored once.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from intake_api.i18n import gettext
from intake_api.policies.availability import NOT_STORED_FORM
from tests.faults import outages
from tests.faults.outages import PrivatePostgres, private_database
from tests.faults.stores import EMAIL, FORMS, SECRET
from tests.processes import GCM_INTAKE, clean_env, free_port, wait_for

pytestmark = pytest.mark.slow

private_postgres = outages.private_postgres  # the fault suite's fixture, for this module

TYPED = FORMS["input"].typed
# Every radio button and check box the person ticks.
BOXES = [
    *(
        f"input[name={key}][value='{TYPED[key]}']"
        for key in ("review", "age_group", "gender", "theme")
    ),
    *(f"input[name=objectives][value='{n}']" for n in TYPED["objectives"]),
    "#field-consent_store",
    "#field-consent_quote",
]


@pytest.fixture
def served(private_postgres: PrivatePostgres, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The base URL of `gcm-intake serve` on a fresh database of the private server, and that database's URL."""
    with private_database(private_postgres) as url:
        env = clean_env(INTAKE_DATABASE_URL=url, INTAKE_SECRET_KEY=SECRET)
        subprocess.run(
            [*GCM_INTAKE, "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            check=True,
            capture_output=True,
            timeout=120,
        )
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "intake_api.cli", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", process)
            yield f"http://127.0.0.1:{port}", url
        finally:
            process.terminate()
            process.communicate(timeout=20)


def _stored(url: str) -> int:
    with psycopg.connect(url, connect_timeout=5) as connection:
        row = connection.execute("SELECT count(*) FROM submission").fetchone()
        return int(row[0]) if row else 0


def test_a_person_keeps_everything_typed_through_an_outage_and_gets_a_receipt_after_it(
    served: tuple[str, str], page, private_postgres: PrivatePostgres
) -> None:
    base, database = served
    page.goto(f"{base}/ar/inputs/new")
    for box in BOXES:
        page.check(box)
    page.select_option("#field-stakeholder_group", TYPED["stakeholder_group"])
    page.select_option("#field-country", TYPED["country"])
    page.fill("#field-text", TYPED["text"])
    page.fill("#field-contact_email", EMAIL)

    with private_postgres.stopped():
        with page.expect_response(lambda r: r.request.method == "POST") as sent:
            page.click("button[type=submit]")
        assert sent.value.status == 503
        page.wait_for_load_state()
        assert page.get_attribute("html", "dir") == "rtl"
        assert gettext("ar", NOT_STORED_FORM) in page.inner_text(".error-summary")
        assert page.input_value("#field-text") == TYPED["text"]
        assert page.input_value("#field-contact_email") == EMAIL
        assert page.input_value("#field-stakeholder_group") == TYPED["stakeholder_group"]
        assert page.input_value("#field-country") == TYPED["country"]
        for box in BOXES:
            assert page.is_checked(box), box

    page.click("button[type=submit]")  # PostgreSQL is back: the same form, sent again as it is
    page.wait_for_url(re.compile(r"/ar/inputs/IN-"))
    receipt = page.url.rsplit("/", 1)[1]
    assert receipt in page.inner_text(".receipt-code")
    assert _stored(database) == 1
