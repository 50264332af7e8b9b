"""Summary reports: every review, every format, numbers that match the store."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import docx
import openpyxl
import pytest
from sqlalchemy import text

from intake_api.i18n import gettext
from intake_api.policies.disclosure import Reason, Shown
from intake_api.reports import FORMATS, build_report, render_report
from intake_api.reports.charts import bar_chart_figure, bar_chart_svg
from intake_api.reports.render import Labels, cell_text, tables
from intake_api.staff import add_staff
from models.reference import CHANNELS, OBJECTIVE_NUMBERS, REVIEW_SLUGS, THEMES
from tests.factories import input_answers
from tests.processes import clean_env as _clean_env

QUOTED = "Youth councils should sit at the table when labour mobility agreements are negotiated."
NOT_TO_QUOTE = "Please do not quote me: my employer keeps my passport and I fear losing my job."


@pytest.fixture
def filled(service, engine, runtime):  # type: ignore[no-untyped-def]
    """Eight inputs for ESCWA and one for each other review; two chosen for the report."""
    for n in range(6):
        service.submit_input(
            input_answers(theme="cooperation" if n % 2 else "governance", objectives=["6", "7"]),
            channel="web",
            message_id=f"r{n}",
            locale="en",
        )
    quoted = service.submit_input(
        input_answers(stakeholder_group="migrant", text=QUOTED),
        channel="telegram",
        message_id="q1",
        locale="ar",
        platform_user_id=1,
    )
    private = service.submit_input(
        input_answers(stakeholder_group="migrant", text=NOT_TO_QUOTE, consent_quote=""),
        channel="web",
        message_id="q2",
        locale="en",
    )
    for slug in REVIEW_SLUGS:
        if slug != "escwa":
            service.submit_input(
                input_answers(review=slug), channel="web", message_id=f"o-{slug}", locale="fr"
            )
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    for receipt in (quoted.code, private.code):
        runtime.moderation.moderate(receipt=receipt, action="include", actor=admin)
    service.submit_pledge(
        {
            "organisation": "Ministry of Labour",
            "stakeholder_group": "government",
            "review": "escwa",
            "title": "Fair recruitment",
            "text": "We pledge to end recruitment fees by 2027.",
            "objectives": ["6"],
            "consent_store": "on",
        },
        channel="web",
        message_id="p",
        locale="en",
    )
    return service


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("slug", REVIEW_SLUGS)
def test_every_review_renders_in_every_format(filled, engine, slug, locale):
    data = build_report(engine, review_slug=slug)
    for fmt in FORMATS:
        body = render_report(data, fmt, locale)
        assert len(body) > 500, (slug, fmt)
    html = render_report(data, "html", locale).decode()
    assert gettext(locale, "Method and data protection") in html and "<svg" in html


# What a hidden count's reason says it is (``policies.disclosure.Reason``).
HIDDEN_RANGES = {
    Reason.SMALL: range(1, 5),
    Reason.SMALL_BREAKDOWN: range(0, 5),
    Reason.COMPLEMENT: range(5, 10**9),
    Reason.WITHHELD: range(1, 10**9),
}


def assert_disclosed(shown: Shown, true: int) -> None:
    """A count as the report shows it: the store's own number, or hidden for a reason that is true."""
    if shown.hidden:
        assert true in HIDDEN_RANGES[shown.reason], (shown, true)
    else:
        assert (shown.number, shown.text) == (true, str(true))


def test_numbers_match_direct_sql(filled, engine):
    data = build_report(engine, review_slug="escwa")
    with engine.connect() as connection:
        total = connection.execute(
            text("SELECT count(*) FROM submission WHERE review_slug = 'escwa'")
        ).scalar_one()
        themes = dict(
            connection.execute(
                text(
                    "SELECT theme, count(*) FROM submission WHERE review_slug = 'escwa' GROUP BY theme"
                )
            ).all()
        )
        objective_6 = connection.execute(
            text(
                "SELECT count(*) FROM submission_objective o JOIN submission s ON s.id = o.submission_id "
                "WHERE s.review_slug = 'escwa' AND o.objective_number = 6"
            )
        ).scalar_one()
    assert total == 8 and objective_6 == 6
    assert_disclosed(data.counts["inputs"], total)
    for theme in THEMES:
        assert_disclosed(data.counts[("theme", theme)], themes.get(theme, 0))
    assert data.counts[("objective", 6)].text == "6"
    # The table prints what the report's counts say, row for row (themes of 3, 3 and 2: hidden).
    theme_table = {row[0]: cell_text(row[1]) for row in tables(data, Labels("en"))[6][2]}
    assert theme_table == {
        Labels("en").theme(str(c)): shown.text for c, shown in data.listed("theme")
    }
    assert set(theme_table.values()) == {"x"}


def test_small_cells_are_suppressed(filled, engine):
    data = build_report(engine, review_slug="escwa")
    by_age = {row[0]: [cell_text(c) for c in row[1:]] for row in tables(data, Labels("en"))[2][2]}
    # Two migrants aged 18-24 and zeros: a row whose counts are all small is hidden whole.
    assert set(by_age["Migrant or migrant-led organisation"]) == {"x"}
    # Six youth aged 18-24 and zeros: shown, they would give the group's total, and 8 minus it
    # the migrants' 2.
    assert "6" not in by_age["Youth"] and "x" in by_age["Youth"]


def test_only_consented_chosen_quotes_appear(filled, engine):
    data = build_report(engine, review_slug="escwa")
    for fmt in ("html", "md"):
        body = render_report(data, fmt, "en").decode()
        assert QUOTED in body and NOT_TO_QUOTE not in body


def test_xlsx_and_docx_open_with_tables_and_charts(filled, engine, tmp_path):
    data = build_report(engine, review_slug="escwa")
    (tmp_path / "r.xlsx").write_bytes(render_report(data, "xlsx", "fr"))
    workbook = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert (
        len(workbook.sheetnames) == 11
    )  # 8 tables, then languages written, repeated texts, key phrases
    assert workbook["7"]["A1"].value == gettext("fr", "Inputs by discussion theme")
    document = docx.Document(io.BytesIO(render_report(data, "docx", "fr")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert gettext("fr", "Method and data protection") in headings
    assert len(document.tables) == 11 and len(document.inline_shapes) == 2


def test_csv_lists_every_table(filled, engine):
    body = render_report(build_report(engine, review_slug="escwa"), "csv", "en").decode("utf-8-sig")
    titles = [row[0] for row in csv.reader(io.StringIO(body)) if len(row) == 1]
    assert titles[0] == "Inputs by channel" and len(titles) == 11


def test_report_command(filled, database_url, tmp_path):
    env = _clean_env(
        INTAKE_DATABASE_URL=database_url, INTAKE_SECRET_KEY="test-secret-key-not-for-production"
    )
    target = tmp_path / "escwa.docx"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake_api.cli",
            "report",
            "escwa",
            "--format",
            "docx",
            "--locale",
            "ar",
            "-o",
            str(target),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Report ESCWA" in result.stderr and target.stat().st_size > 10_000


def test_reports_on_the_demo_data_match_sql(service, engine):
    from intake_api.demo import load_demo

    load_demo(service, count=200, seed=7)
    for slug in REVIEW_SLUGS:
        data = build_report(engine, review_slug=slug)
        with engine.connect() as connection:
            total = connection.execute(
                text("SELECT count(*) FROM submission WHERE review_slug = :s"), {"s": slug}
            ).scalar_one()
            by_channel = dict(
                connection.execute(
                    text(
                        "SELECT channel, count(*) FROM submission WHERE review_slug = :s GROUP BY channel"
                    ),
                    {"s": slug},
                ).all()
            )
            objectives = dict(
                connection.execute(
                    text(
                        "SELECT o.objective_number, count(*) FROM submission_objective o JOIN submission s ON s.id = o.submission_id "
                        "WHERE s.review_slug = :s GROUP BY o.objective_number"
                    ),
                    {"s": slug},
                ).all()
            )
        assert total > 0
        assert_disclosed(data.counts["inputs"], total)
        for channel in CHANNELS:
            assert_disclosed(data.counts[("by_channel", channel)], by_channel.get(channel, 0))
        for number in OBJECTIVE_NUMBERS:
            assert_disclosed(data.counts[("objective", number)], objectives.get(number, 0))
        assert render_report(data, "html", "fr")


def test_key_phrases_read_only_the_latest_inputs(service, engine, monkeypatch):
    from intake_api import stats

    old = "Seasonal farm workers need portable pensions and seasonal farm contracts."
    new = "Domestic workers need labour inspections and domestic worker contracts."
    for n in range(5):  # five people each: the least a key phrase needs
        service.submit_input(
            input_answers(text=old), channel="web", message_id=f"old{n}", locale="en"
        )
    for n in range(5):
        service.submit_input(
            input_answers(text=new), channel="web", message_id=f"new{n}", locale="en"
        )
    phrases = " ".join(build_report(engine, review_slug="escwa").key_phrases.get("en", []))
    assert "farm" in phrases and "domestic" in phrases
    monkeypatch.setattr(stats, "KEY_PHRASE_SAMPLE", 5)  # only the five latest inputs are read
    phrases = " ".join(build_report(engine, review_slug="escwa").key_phrases.get("en", []))
    assert "domestic" in phrases and "farm" not in phrases


@pytest.mark.parametrize(("consent_age", "quoted"), [("16", True), ("18", False)])
def test_report_command_quotes_by_the_deployments_age_of_digital_consent(
    service, engine, runtime, database_url, tmp_path, consent_age, quoted
):
    words = "Seventeen and working: apprenticeships must count toward a regular status."
    receipt = service.submit_input(
        input_answers(age_group="16_17", text=words, consent_quote="yes"),
        channel="web",
        message_id="teen",
        locale="en",
    ).code
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    runtime.moderation.moderate(receipt=receipt, action="include", actor=admin)
    env = _clean_env(
        INTAKE_DATABASE_URL=database_url,
        INTAKE_SECRET_KEY="test-secret-key-not-for-production",
        INTAKE_DIGITAL_CONSENT_AGE=consent_age,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake_api.cli",
            "report",
            "escwa",
            "--format",
            "md",
            "-o",
            str(tmp_path / "r.md"),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert ("apprenticeships" in (tmp_path / "r.md").read_text()) is quoted


def test_charts_draw_only_the_numbers_shown():
    """The probe: bars beside a table printed 1, 2, 3, 4 where the table said "<5". A hidden
    count has no bar (SVG) or one of length 0 (PNG), and its symbol where the number would be."""
    pairs = [
        ("a", Shown("12", 12, Reason.SHOWN)),
        ("b", Shown("<5", None, Reason.SMALL)),
        ("c", Shown("x", None, Reason.COMPLEMENT)),
        ("d", Shown("0", 0, Reason.SHOWN)),
    ]
    from matplotlib import pyplot

    figure = bar_chart_figure(pairs)
    axes = figure.axes[0]
    drawn = {
        label.get_text(): (bar.get_width(), number.get_text())
        for label, bar, number in zip(axes.get_yticklabels(), axes.patches, axes.texts, strict=True)
    }
    pyplot.close(figure)
    assert drawn == {"a": (12, "12"), "b": (0, "<5"), "c": (0, "x"), "d": (0, "0")}
    svg = bar_chart_svg(pairs, title="t")
    assert svg.count("<rect") == 2 and ">&lt;5</text>" in svg and ">x</text>" in svg


@pytest.mark.parametrize("locale", ["zh", "ar"])
def test_word_charts_need_no_glyph_the_font_lacks(filled, engine, locale):
    """The PNG charts carry codes and numbers only; their titles are the document's headings
    (a Chinese title drew boxes and warned, which the API answered with a 500 under warnings)."""
    document = docx.Document(
        io.BytesIO(render_report(build_report(engine, review_slug="escwa"), "docx", locale))
    )
    assert len(document.inline_shapes) == 2
