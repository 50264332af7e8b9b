"""One encoding per output format, tested with the same hostile strings in every format.

Each format is read back with a real parser: html.parser for HTML and the SVG charts,
markdown-it for Markdown, the csv module and openpyxl for spreadsheets, the Block Kit
JSON for Slack. First each encoder on its own (Hypothesis), then renderers fed hostile
strings in every free-text field, then the same strings planted in the store and read
through every output as it leaves the service.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from html import unescape

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlmodel import Session, col

from bots.slack.blocks import digest_blocks, home_view, moderation_message
from intake_api import digests
from intake_api.digest_email import render_digest_email
from intake_api.digests import Digest
from intake_api.exports import ExportFilter, iter_rows, write_csv, write_xlsx
from intake_api.moderation import InputView
from intake_api.participation import Participation
from intake_api.policies.encoding import (
    docx_text,
    html_text,
    markdown_quote,
    markdown_text,
    slack_mrkdwn,
    spreadsheet_cell,
)
from intake_api.policies.publication import Pointer, public_text
from intake_api.redaction import redact
from intake_api.reports import ReportData, build_report, render_report
from intake_api.reports.data import DIMENSIONS, report_counts
from intake_api.reports.render import Labels, cell_text, tables
from intake_api.stats import ReviewStats, stats_disclosure
from models.pledge import Pledge
from models.practice import Practice
from models.review import RegionalReview
from models.submission import Submission
from tests.intake_api.policies.hostile import (
    FORMULA_SIGNS,
    HOSTILE,
    MARKDOWN,
    check_csv,
    check_html,
    check_markdown,
    check_slack,
    check_xlsx,
    flat,
    markdown_shown,
)
from tests.intake_api.policies.outputs import REVIEW, every_output, readable, slack_runtime

# --- each encoder on its own ---------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1)
PRINTABLE = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1)
_MD = MARKDOWN


def _only_text(document: str) -> list[str]:
    """The text of every inline run, failing on anything that is not plain text."""
    runs = []
    for token in _MD.parse(document):
        assert token.type not in (
            "html_block",
            "html_inline",
            "code_block",
            "fence",
            "hr",
            "heading_open",
        ), token
        if token.type == "inline":
            for child in token.children or []:
                assert child.type in ("text", "softbreak"), (child.type, document)
            runs.append(
                "".join(c.content if c.type == "text" else "\n" for c in token.children or [])
            )
    return runs


@settings(max_examples=500, deadline=None)
@given(PRINTABLE)
def test_markdown_text_shows_every_character_as_written(value):
    """In a paragraph and in a table cell, the rendered text is the text, on one line."""
    expected = flat(value)
    if not expected:
        return
    encoded = markdown_text(value)
    assert _only_text(encoded) == [expected]
    cells = check_markdown(f"| head | second |\n|---|---|\n| {encoded} | {encoded} |\n")
    assert cells == [[["head", "second"], [expected, expected]]]


@settings(max_examples=300, deadline=None)
@given(PRINTABLE)
def test_markdown_quote_is_one_block_quote_of_the_lines_written(value):
    lines = [flat(line) for line in value.splitlines() if flat(line)]
    tokens = _MD.parse(markdown_quote(value) + "\n")
    if lines:
        assert tokens[0].type == "blockquote_open" and tokens[-1].type == "blockquote_close"
        assert _only_text(markdown_quote(value)) == ["\n".join(lines)]


@settings(max_examples=500, deadline=None)
@given(ANY_TEXT)
def test_spreadsheet_cells_never_start_a_formula(value):
    cell = spreadsheet_cell(value)
    assert cell == value or cell == "'" + value
    assert cell.startswith("'") or cell.lstrip()[:1] not in FORMULA_SIGNS


def test_spreadsheet_cells_keep_other_values():
    assert (
        spreadsheet_cell(5) == 5 and spreadsheet_cell(None) is None and spreadsheet_cell("") == ""
    )
    assert spreadsheet_cell("plain") == "plain" and spreadsheet_cell("<5") == "<5"


@settings(max_examples=500, deadline=None)
@given(ANY_TEXT)
def test_slack_mrkdwn_leaves_no_control_sequence(value):
    escaped = slack_mrkdwn(value)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == value


@settings(max_examples=500, deadline=None)
@given(ANY_TEXT)
def test_html_text_is_text_in_content_and_attributes(value):
    for document in (f"<p>{html_text(value)}</p>", f'<p title="{html_text(value)}">x</p>'):
        check_html(document)
    assert unescape(html_text(value)) == value


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_docx_text_always_fits_a_word_document(value):
    document = docx.Document()
    document.add_paragraph(docx_text(value))
    buffer = io.BytesIO()
    document.save(buffer)
    assert flat(docx.Document(io.BytesIO(buffer.getvalue())).paragraphs[-1].text) == flat(value)


# --- renderers fed hostile strings in every field -------------------------------------------


def _review(text: str) -> RegionalReview:
    return RegionalReview(
        slug=REVIEW,
        commission=text,
        region=text,
        venue=text,
        opens_on=date(2026, 11, 2),
        closes_on=date(2027, 2, 1),
        consultation_on=date(2027, 3, 10),
        meeting_format="hybrid",
    )


def hostile_report() -> ReportData:
    """A report whose every free-text field holds the hostile strings."""
    inputs = Participation(
        DIMENSIONS, {("youth", "18_24", "woman", "web", "en", "governance", "JO", "en"): 3}
    )
    counts, categories = report_counts(
        inputs,
        objectives={6: 3},
        campaigns=[2] * len(HOSTILE) + [3],
        registrations={"virtual": 2, "in_person": 1},
        travel=1,
        suggestions=(1, 2),
    )
    return ReportData(
        review=_review(HOSTILE[0]),
        generated_at=datetime.now(UTC),
        first_input=datetime.now(UTC),
        last_input=datetime.now(UTC),
        counts=counts,
        categories=categories,
        quotes={"governance": [(f"I-{n:04d}", h) for n, h in enumerate(HOSTILE)]},
        pledges=[(h, h, [6]) for h in HOSTILE],
        practices=[(h, h, ["JO"]) for h in HOSTILE],
        campaigns=[*HOSTILE, None],
        key_phrases={"en": list(HOSTILE)},
    )


def test_the_report_in_every_format_keeps_hostile_strings_as_text():
    data = hostile_report()
    expected_tables = [
        [[flat(c) for c in header], *[[flat(cell_text(c)) for c in row] for row in rows]]
        for _title, header, rows in tables(data, Labels("en"))
    ]
    html = render_report(data, "html", "en").decode()
    shown = check_html(html)
    markdown = render_report(data, "md", "en").decode()
    assert check_markdown(markdown) == expected_tables  # every cell where it belongs, none broken
    shown_md = markdown_shown(markdown)
    csv_rows = check_csv(render_report(data, "csv", "en").decode("utf-8-sig"))
    csv_cells = {cell.removeprefix("'") for row in csv_rows for cell in row}
    xlsx_cells = {str(v).removeprefix("'") for v in check_xlsx(render_report(data, "xlsx", "en"))}
    word = readable("docx", render_report(data, "docx", "en"))
    for text in HOSTILE:
        assert flat(text) in shown and flat(text) in shown_md, text
        assert text in csv_cells, text
        assert flat(text) in flat(word), text
        if text.isprintable():  # XLSX stores control characters as _xHHHH_ escapes
            assert text in xlsx_cells, text


def _digest(text: str) -> Digest:
    now = datetime.now(UTC)
    inputs = Participation(
        DIMENSIONS, {("youth", "18_24", "woman", "web", "en", "governance", "JO", "en"): 3}
    )
    counts, categories = digests.digest_counts(
        inputs,
        objectives={6: 3},
        campaigns=[2, 3],
        records={"pledges": 1, "practices": 1, "registrations": 0, "travel": 0},
    )
    return Digest(
        review_slug=REVIEW,
        since=now - timedelta(days=7),
        until=now,
        counts=counts,
        categories=categories,
        flagged=[Pointer("I-FLAG", "governance")],
        urgent=[Pointer("I-URGE", None, "trafficking")],
        quotes=[("I-0001", text)],
        campaigns=[text, None],
        key_phrases={"en": [text, "labour inspections"]},
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_slack_blocks_and_email_keep_hostile_strings_as_text(text):
    stats = ReviewStats(
        REVIEW,
        text,
        text,
        date(2027, 3, 10),
        "hybrid",
        text,
        stats_disclosure(groups={"youth": 1}, today=1, week=1, flagged=1),
        [Pointer("I-FLAG", "governance")],
    )
    view = InputView(
        1,
        "I-0001",
        REVIEW,
        "web",
        "en",
        "youth",
        "JO",
        "governance",
        [6],
        text,
        True,
        "new",
        datetime.now(UTC),
        None,
        None,
    )
    for blocks in (digest_blocks(_digest(text), "en"), moderation_message(view, "en")):
        assert flat(text) in check_slack(blocks)
    # The App Home names reviews and venues from the reference data in the reader's language,
    # not from the store: the hostile names are not shown, and the view is still well formed.
    check_slack(home_view([stats], "en"))
    _subject, plain, html = render_digest_email([_digest(text)], "en")
    assert flat(text) in check_html(html) and flat(text) in flat(plain)


# --- through the store and every output -----------------------------------------------------


def _storable(engine) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """The hostile strings a database can hold (PostgreSQL text refuses NUL; SQLite keeps it)."""
    return (
        tuple(t.replace("\x00", "") for t in HOSTILE)
        if engine.dialect.name == "postgresql"
        else HOSTILE
    )


def _plant_hostile(engine) -> None:  # type: ignore[no-untyped-def]
    """Hostile strings in every free-text field, as a partner system or an old import left them."""
    with Session(engine) as session:
        for n, text in enumerate(_storable(engine)):
            pair = []
            for copy in range(2):  # two near-identical inputs: a campaign as well as a quote
                row = Submission(
                    receipt=f"I-H{n:02d}{copy}",
                    channel="api",
                    channel_message_id=f"h{n}-{copy}",
                    locale="en",
                    consent_version="test",
                    review_slug=REVIEW,
                    text=text,
                    consent_quote=True,
                    age_group="25_34",
                    status="included",
                    theme="governance",
                    stakeholder_group="migrant",
                    language="en",
                )
                session.add(row)
                session.flush()
                pair.append(row)
            for row in pair:
                row.duplicate_group = pair[0].id
            session.add(
                Pledge(
                    receipt=f"P-H{n:02d}",
                    channel="api",
                    channel_message_id=f"p{n}",
                    locale="en",
                    consent_version="test",
                    review_slug=REVIEW,
                    organisation=text[:200],
                    title=text[:200],
                    text=text,
                    objectives=[6],
                )
            )
            session.add(
                Practice(
                    receipt=f"B-H{n:02d}",
                    channel="api",
                    channel_message_id=f"b{n}",
                    locale="en",
                    consent_version="test",
                    review_slug=REVIEW,
                    title=text[:200],
                    description=text,
                    organisation=text[:200],
                    partners=text[:500],
                    countries=["JO"],
                    objectives=[6],
                )
            )
        session.execute(
            update(RegionalReview)
            .where(col(RegionalReview.slug) == REVIEW)
            .values(venue=HOSTILE[7], region=HOSTILE[11], commission=HOSTILE[17])
        )
        session.commit()


def test_hostile_strings_in_the_store_stay_text_in_every_output(settings):
    with slack_runtime(settings) as (runtime, api):
        _plant_hostile(runtime.engine)
        stored = _storable(runtime.engine)
        expected_tables = [
            [[flat(c) for c in header], *[[flat(cell_text(c)) for c in row] for row in rows]]
            for _t, header, rows in tables(
                build_report(runtime.engine, review_slug=REVIEW), Labels("en")
            )
        ]
        outputs = every_output(runtime, api)
        exported = {}
        for fmt, writer in (("csv", write_csv), ("xlsx", write_xlsx)):
            buffer = io.BytesIO()
            writer(
                iter_rows(runtime.engine, ExportFilter(review=REVIEW), "en"),
                buffer,
                "en",
                lambda n: None,
            )
            exported[fmt] = buffer.getvalue()
    for source in ("report", "api"):
        shown = check_html(outputs.files[f"{source}.html"].decode())
        markdown = outputs.files[f"{source}.md"].decode()
        assert check_markdown(markdown) == expected_tables, source
        check_csv(outputs.files[f"{source}.csv"].decode("utf-8-sig"))
        check_xlsx(outputs.files[f"{source}.xlsx"])
        word = flat(readable("docx", outputs.files[f"{source}.docx"]))
        for text in stored:  # shown, as redaction leaves it
            assert flat(public_text(text)) in shown and flat(public_text(text)) in word, (
                source,
                text,
            )
            assert flat(public_text(text)) in markdown_shown(markdown), (source, text)
    exported_cells = {
        c.removeprefix("'") for row in check_csv(exported["csv"].decode("utf-8-sig")) for c in row
    }
    check_xlsx(exported["xlsx"])
    assert {
        redact(t) for t in stored
    } <= exported_cells  # staff exports: every input as stored, masked
    for payload in outputs.slack_digest:
        check_slack(payload["blocks"])
        assert "<" not in payload["text"]
    check_slack(outputs.app_home)
    check_html(outputs.email["text/html"])
    assert outputs.notifications and all("<" not in text for text in outputs.notifications)
    assert (
        json.dumps(outputs.app_home).count("I-H") == 0
    )  # App Home names no input here (none flagged)
