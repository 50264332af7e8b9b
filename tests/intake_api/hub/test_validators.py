"""The Hub's validators never call a changed page fresh, and a 304 is answered before the page.

Every kind of change a public page shows (an item published, unpublished, edited, withdrawn
by its author, erased; a report taken down; a new input to a review) is made through the
service that makes it in production; then every public route in three scripts is asked
again with the validator it gave before. A 304 is allowed only where the page is the same
as before, byte for byte. The public version itself is checked table by table, statement
by statement, on both stores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, text

from intake_api.hub import dashboard, validators
from intake_api.hub.catalog import Filters
from intake_api.policies.authorization import OPERATOR
from intake_api.runtime import Runtime, runtime_of
from models import public_version
from models.db import write_session
from models.pledge import Pledge
from models.practice import Practice
from tests.factories import input_answers
from tests.intake_api.hub.conftest import Planted, _pledge, _set
from tests.intake_api.hub.routes import hub_urls

LOCALES_WALKED = ("en", "ar", "zh")


def _receipt_of(runtime: Runtime, model: Any, item_id: int) -> str:
    with write_session(runtime.engine) as session:
        return str(session.get_one(model, item_id).receipt)


def _publish_new(runtime: Runtime, planted: Planted) -> None:
    receipt = runtime.service.submit(
        "pledge", _pledge("freshword"), channel="web", message_id="fresh", locale="en"
    ).code
    runtime.publishing.publish(receipt=receipt, actor=OPERATOR, channel="test")


def _unpublish(runtime: Runtime, planted: Planted) -> None:
    receipt = _receipt_of(runtime, Pledge, planted.public_pledge)
    runtime.publishing.unpublish(receipt=receipt, actor=OPERATOR, channel="test")


def _withdraw(runtime: Runtime, planted: Planted) -> None:
    receipt = _receipt_of(runtime, Practice, planted.public_practice)
    assert runtime.consent.withdraw(receipt=receipt, consent="publish", channel="web", actor="t")


def _erase(runtime: Runtime, planted: Planted) -> None:
    receipt = _receipt_of(runtime, Pledge, planted.public_pledge)
    assert runtime.privacy.erase_record(receipt=receipt, actor="test")


def _edit(runtime: Runtime, planted: Planted) -> None:
    receipt = _receipt_of(runtime, Practice, planted.public_practice)
    _set(runtime.engine, Practice, receipt, title="Practice retitledword in border towns")


def _report_down(runtime: Runtime, planted: Planted) -> None:
    runtime.publishing.publish_report(
        review_slug="escwa", actor=OPERATOR, channel="test", published=False
    )


def _new_inputs(runtime: Runtime, planted: Planted) -> None:
    """Enough new inputs that the review's participation counts show them (small counts are
    withheld)."""
    for n in range(6):
        runtime.service.submit_input(
            input_answers(text=f"Language classes for newcomers helped family {n} find work."),
            channel="web",
            message_id=f"walk-input-{n}",
            locale="en",
        )


CHANGES: dict[str, Callable[[Runtime, Planted], None]] = {
    "published": _publish_new,
    "unpublished": _unpublish,
    "withdrawn by its author": _withdraw,
    "erased": _erase,
    "edited": _edit,
    "report taken down": _report_down,
    "new inputs": _new_inputs,
}


def _public_values(planted: Planted) -> Callable[[str], dict[str, Any]]:
    def values(endpoint: str) -> dict[str, Any]:
        item = planted.public_practice if endpoint == "hub.practice" else planted.public_pledge
        return {"slug": "escwa", "item_id": item}

    return values


@pytest.mark.parametrize("change", list(CHANGES))
def test_no_changed_page_is_answered_304(app, runtime, planted, change):
    client = app.test_client()
    urls = [
        url
        for _endpoint, url in hub_urls(app, _public_values(planted))
        if url.split("/")[1] in LOCALES_WALKED or url.startswith("/open-data/")
    ]
    before = {}
    for url in urls:
        response = client.get(url)
        before[url] = (response.headers["ETag"], response.get_data())
    CHANGES[change](runtime, planted)
    changed = 0
    for url in urls:
        etag, body = before[url]
        again = client.get(url, headers={"If-None-Match": etag})
        if again.status_code == 304:
            assert client.get(url).get_data() == body, f"{url}: 304 after {change}, but it changed"
        else:
            changed += again.get_data() != body
    assert changed, f"no public page showed the change: {change}"


@pytest.mark.parametrize("change", [name for name in CHANGES if name != "new inputs"])
def test_figures_kept_for_a_version_are_never_read_after_a_change(runtime, planted, change):
    """The dashboard's and the repository's counts, kept per public version, are counted
    anew after every change that could alter them."""
    engine = runtime.engine
    counters = (dashboard.pledge_figures, dashboard.practice_figures)
    kept_before = [figures(engine, Filters(), version=_version(runtime)) for figures in counters]
    CHANGES[change](runtime, planted)
    now = _version(runtime)
    after = [figures(engine, Filters(), version=now) for figures in counters]
    assert after == [figures(engine, Filters()) for figures in counters]  # as counted afresh
    if change in ("published", "unpublished", "withdrawn by its author", "erased"):
        assert after != kept_before


def test_a_304_is_answered_before_the_page_reads_the_store(app, planted):
    """The conditional request of a versioned page reads the version and nothing else."""
    client = app.test_client()
    engine = runtime_of(app).engine
    for url in (
        "/en/pledges?q=publicwordp",
        "/fr/practices",
        f"/ar/pledges/{planted.public_pledge}",
    ):
        etag = client.get(url).headers["ETag"]
        statements: list[str] = []

        def seen(_conn, _cursor, statement, *_args, seen_in=statements):  # type: ignore[no-untyped-def]
            seen_in.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            response = client.get(url, headers={"If-None-Match": etag})
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert response.status_code == 304, url
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "public, max-age=60"
        queries = [s for s in statements if s.split()[0].upper() not in ("BEGIN", "COMMIT")]
        assert len(queries) == 1 and "public_version" in queries[0], statements


def test_a_weakened_validator_still_matches(client, planted):
    """A proxy that compresses the page weakens its ETag (W/"..."): still the same page."""
    etag = client.get("/en/pledges").headers["ETag"]
    assert client.get("/en/pledges", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get("/en/pledges", headers={"If-None-Match": "*"}).status_code in (200, 304)


def _version(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        version = public_version.current(connection)
    assert version is not None
    return version


@pytest.mark.parametrize("table", public_version.WATCHED)
def test_every_statement_on_a_watched_table_moves_the_version(runtime, planted, table):
    """An update of one row or of many, by any code, even one that changes no value: the
    version moves (inserts and deletes: below)."""
    key = {"regional_review": "slug"}.get(table, "id")
    with runtime.engine.begin() as connection:
        rows = connection.execute(text(f"SELECT {key} FROM {table}")).scalars().all()  # noqa: S608
    assert rows
    statements = [
        f"UPDATE {table} SET {key} = {key}",  # noqa: S608 - every row, no value changed
        f"UPDATE {table} SET {key} = {key} WHERE {key} = :one",  # noqa: S608
    ]
    for statement in statements:
        before = _version(runtime)
        with runtime.engine.begin() as connection:
            connection.execute(text(statement), {"one": rows[0]})
        assert _version(runtime) > before, statement


def test_inserts_and_deletes_move_the_version_and_inputs_do_not(runtime):
    before = _version(runtime)
    receipt = runtime.service.submit(
        "pledge", _pledge("countedword"), channel="web", message_id="v1", locale="en"
    ).code
    after_insert = _version(runtime)
    assert after_insert > before
    runtime.service.submit_input(input_answers(), channel="web", message_id="v2", locale="en")
    assert _version(runtime) == after_insert  # inputs are counted by the review page itself
    assert runtime.privacy.erase_record(receipt=receipt, actor="test")
    assert _version(runtime) > after_insert


def test_a_rolled_back_change_leaves_the_version(runtime):
    before = _version(runtime)
    with pytest.raises(RuntimeError), write_session(runtime.engine) as session:
        session.execute(text("UPDATE pledge SET title = title"))
        raise RuntimeError("abandoned")
    assert _version(runtime) == before


def test_the_build_digest_is_stable_and_names_the_release():
    assert validators.build() == validators.build()
    assert validators.page_etag(3, "/en/pledges?") != validators.page_etag(4, "/en/pledges?")
    assert validators.page_etag(3, "/en/pledges?") != validators.page_etag(3, "/fr/pledges?")
