"""Summary reports: every review, every format, numbers that match the store."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from html import unescape

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
    theme_table = {row[0]: cell_text(row[1]) for row in tables(data, Labels("en"))[7][2]}
    assert theme_table == {
        Labels("en").theme(str(c)): shown.text for c, shown in data.listed("theme")
    }
    assert set(theme_table.values()) == {"x"}


def test_small_cells_are_suppressed(filled, engine):
    data = build_report(engine, review_slug="escwa")
    by_age = {row[0]: [cell_text(c) for c in row[1:]] for row in tables(data, Labels("en"))[3][2]}
    # Two migrants aged 18-24 and zeros: a row whose counts are all small is hidden whole, but
    # for the age groups nobody is in ("Inputs by age group" shows them 0: a reader knows it).
    migrants = by_age["Migrant or migrant-led organisation"]
    assert "x" in migrants and set(migrants) <= {"x", "0"}
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
        len(workbook.sheetnames) == 12
    )  # 9 tables, then languages written, repeated texts, key phrases
    assert workbook["8"]["A1"].value == gettext("fr", "Inputs by discussion theme")
    document = docx.Document(io.BytesIO(render_report(data, "docx", "fr")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert gettext("fr", "Method and data protection") in headings
    assert len(document.tables) == 12 and len(document.inline_shapes) == 2


def test_csv_lists_every_table(filled, engine):
    body = render_report(build_report(engine, review_slug="escwa"), "csv", "en").decode("utf-8-sig")
    titles = [row[0] for row in csv.reader(io.StringIO(body)) if len(row) == 1]
    assert titles[0] == "Inputs by channel" and len(titles) == 12


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


def docx_xml(data, locale):  # type: ignore[no-untyped-def]
    return docx.Document(io.BytesIO(render_report(data, "docx", locale))).element.xml


def test_the_arabic_word_report_reads_right_to_left(filled, engine):
    """Each paragraph starts on the right, each run is Arabic text, each table's first column
    is on the right; "<5" stays "<5" (isolated) instead of turning into "5>"."""
    data = build_report(engine, review_slug="escwa")
    arabic = docx.Document(io.BytesIO(render_report(data, "docx", "ar")))
    body = arabic.element.body
    paragraphs = body.findall(".//" + docx_qn("w:p"))
    assert paragraphs and all(
        p.find(docx_qn("w:pPr") + "/" + docx_qn("w:bidi")) is not None for p in paragraphs
    )
    runs = body.findall(".//" + docx_qn("w:r"))
    rtl = {r.text: r.find(f"{docx_qn('w:rPr')}/{docx_qn('w:rtl')}") for r in runs}
    assert rtl[gettext("ar", "Method and data protection")] is not None
    assert rtl[QUOTED] is None  # an English quote keeps its own direction
    assert 'w:bidi="ar-SA"' in arabic.element.xml
    assert len(body.findall(".//" + docx_qn("w:bidiVisual"))) == len(arabic.tables) == 12
    assert body.find(f"{docx_qn('w:sectPr')}/{docx_qn('w:bidi')}") is not None
    counts = [c.text for t in arabic.tables for row in t.rows[1:] for c in row.cells[1:]]
    assert "\u2066<5\u2069" in counts or "\u2066x\u2069" in counts
    assert gettext("ar", "Method and data protection") in [p.text for p in arabic.paragraphs]
    english = docx_xml(data, "en")
    assert "<w:bidi/>" not in english and "<w:rtl/>" not in english
    assert "bidiVisual" not in english and "\u2066" not in english


def docx_qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def test_svg_labels_read_right_to_left_in_arabic():
    """The numbering of "1. …" sits on the right of an Arabic label; counts stay "<5"."""
    pairs = [
        ("1. القضاء على الفقر", Shown("12", 12, Reason.SHOWN)),
        ("2. ب", Shown("<5", None, Reason.SMALL)),
    ]
    arabic = bar_chart_svg(pairs, title="t", rtl=True)
    assert arabic.count('direction="rtl" text-anchor="start"') == 2
    assert arabic.count('direction="ltr" unicode-bidi="isolate"') == 2
    english = bar_chart_svg(pairs, title="t")
    assert 'direction="rtl"' not in english and english.count('text-anchor="end"') == 2


def test_word_chart_is_mirrored_in_arabic():
    """Codes on the right and bars growing leftwards, as the Arabic document reads."""
    from matplotlib import pyplot

    pairs = [("6", Shown("12", 12, Reason.SHOWN)), ("7", Shown("<5", None, Reason.SMALL))]
    figure = bar_chart_figure(pairs, rtl=True)
    axes = figure.axes[0]
    left, right = axes.get_xlim()
    assert left > right and axes.yaxis.get_ticks_position() == "right"
    pyplot.close(figure)
    figure = bar_chart_figure(pairs)
    assert figure.axes[0].get_xlim()[0] < figure.axes[0].get_xlim()[1]
    pyplot.close(figure)


def crosstab_labels(data, locale: str, index: int = 4):  # type: ignore[no-untyped-def]
    """(row labels, column labels) of a cross-tabulation as the reader sees it."""
    title, header, rows = tables(data, Labels(locale))[index]
    return [cell_text(row[0]) for row in rows], header[1:]


@pytest.mark.parametrize("locale", ["fr", "zh", "en"])
def test_crosstabs_follow_the_readers_alphabet_with_other_last(filled, engine, locale):
    """Rows and columns in the reader's order (French accents, Chinese pinyin), not the
    codes' order; "Another gender", "Other" and "Not given" after every named category."""
    from intake_api.i18n import collation_key

    data = build_report(engine, review_slug="escwa")
    key = collation_key(locale)
    last = {gettext(locale, m) for m in ("Other", "Not given", "Another gender")}
    for index in (4, 5):  # by gender, by channel
        rows, columns = crosstab_labels(data, locale, index)
        for names in (rows, columns):
            named = [n for n in names if n not in last]
            assert named == sorted(named, key=key), (locale, names)
            assert names[: len(named)] == named
    _rows, genders = crosstab_labels(data, locale, 4)
    assert genders[-2:] == [gettext(locale, "Another gender"), gettext(locale, "Not given")]
    assert genders[:2] == sorted([gettext(locale, "Man"), gettext(locale, "Woman")], key=key)


def test_age_bands_keep_their_own_order(filled, engine):
    """An age band's place is its age, not its name's: "Under 13" before "13 to 15"."""
    _rows, ages = crosstab_labels(build_report(engine, review_slug="escwa"), "en", 3)
    assert ages.index("Under 13") < ages.index("13 to 15") < ages.index("65 or older")


@pytest.mark.parametrize("locale", ["ar", "zh"])
def test_html_report_isolates_counts_and_quotes(filled, engine, locale):
    """A count is read left to right in an isolate ("<5", not "5>"), a quote in its writer's
    direction (dir="auto"), and the page names a font that has the script's glyphs."""
    html = render_report(build_report(engine, review_slug="escwa"), "html", locale).decode()
    assert '<td class="n"><bdi dir="ltr">' in html and '<blockquote dir="auto">' in html
    assert {"ar": "Noto Naskh Arabic", "zh": "Noto Sans CJK SC"}[locale] in html


@pytest.mark.parametrize(("locale", "separator"), [("ar", "، "), ("zh", "、"), ("fr", ", ")])
def test_lists_in_the_report_use_the_readers_separator(locale, separator):
    """Countries of a practice, objectives of a pledge, key phrases: "الأردن، لبنان"."""
    names = Labels(locale).countries(["JO", "LB"])
    assert names == separator.join(Labels(locale).country(c) for c in ("JO", "LB"))


def test_the_report_counts_answers_not_given_by_group_and_age(service, engine):
    """Profile answers come after the receipt and may be skipped: inputs without them are
    counted as "Not given" in every table and chart a reader sees, and the totals add up."""
    for n in range(6):
        service.submit_input(input_answers(), channel="web", message_id=f"y{n}", locale="en")
    for n in range(7):
        service.submit_input(
            input_answers(stakeholder_group="", age_group="", gender="", country="", theme=""),
            channel="telegram",
            message_id=f"s{n}",
            locale="en",
            platform_user_id=100 + n,
        )
    data = build_report(engine, review_slug="escwa")
    assert data.counts["inputs"].text == "13"
    found = {title: rows for title, _header, rows in tables(data, Labels("en"))}
    by_age = {row[0]: cell_text(row[1]) for row in found["Inputs by age group"]}
    assert by_age == {"Not given": "7", "18 to 24": "6"}
    crosstab = {
        row[0]: [cell_text(c) for c in row[1:]] for row in found["Stakeholder group by age group"]
    }
    _title, header, _rows = next(
        t for t in tables(data, Labels("en")) if t[0] == "Stakeholder group by age group"
    )
    assert header[-1] == "Not given"
    assert (
        crosstab["Not given"][-1] == "7" and crosstab["Youth"][header.index("18 to 24") - 1] == "6"
    )
    themes = {row[0]: cell_text(row[1]) for row in found["Inputs by discussion theme"]}
    assert themes["Not given"] == "7"
    html = render_report(data, "html", "en").decode()
    # The charts beside the tables: stakeholder groups and age groups, "Not given" a bar of its own.
    assert html.count(">Not given<") >= 4 and "Inputs by age group" in html
    for fmt in ("md", "csv"):
        assert "Not given" in render_report(data, fmt, "en").decode("utf-8-sig")
    french = unescape(render_report(data, "html", "fr").decode())  # as read: "d'âge", not &#39;
    assert gettext("fr", "Not given") in french and gettext("fr", "Inputs by age group") in french
