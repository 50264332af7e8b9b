"""One report, several formats: HTML (prints to PDF), Markdown, CSV, XLSX and DOCX.

Each format writes every value through its one encoding (``policies.encoding``):
Jinja autoescape for HTML, Markdown escaping as the Markdown template's ``finalize``,
formula neutralisation for CSV and XLSX cells, XML-safe text for Word.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from babel.dates import format_date, format_datetime
from jinja2 import Environment, PackageLoader

from intake_api.i18n import gettext, is_rtl, language_label, text_direction, translations
from intake_api.participation import EVERY_COUNTRY, EVERY_LANGUAGE, UNKNOWN
from intake_api.policies.disclosure import (
    HIDDEN_NOTE,
    HIDDEN_SYMBOL,
    SMALL_COUNT,
    SMALL_NOTE,
    SMALL_SYMBOL,
    Reason,
    Shown,
)
from intake_api.policies.encoding import (
    docx_text,
    markdown_finalize,
    markdown_quote,
    spreadsheet_cell,
)
from intake_api.policies.publication import MIN_CONTRIBUTORS, TEXT_NOT_SHOWN
from intake_api.questionnaire import ATTENDANCE_MODES
from intake_api.reports.charts import bar_chart_png, bar_chart_svg
from intake_api.reports.data import CHANNEL_TOTALS, TOTAL, ReportData
from models.reference import (
    AGE_GROUPS,
    CHANNELS,
    GENDERS,
    MEETING_FORMATS,
    N_,
    OBJECTIVES,
    STAKEHOLDER_GROUPS,
    THEMES,
    country_name,
)

_OBJECTIVE_SHORT = {o.number: o.short for o in OBJECTIVES}


class Labels:
    """Codes in the report's language."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def t(self, message: str, **params: Any) -> str:
        return gettext(self.locale, message, **params)

    def _from(self, table: dict[str, str], code: str) -> str:
        return self.t(table[code]) if code in table else self.t("Not given")

    def group(self, code: str) -> str:
        return self._from(STAKEHOLDER_GROUPS, code)

    def age(self, code: str) -> str:
        return self._from(AGE_GROUPS, code)

    def gender(self, code: str) -> str:
        return self._from(GENDERS, code)

    def channel(self, code: str) -> str:
        return self._from(CHANNELS, code)

    def theme(self, code: str) -> str:
        return self._from(THEMES, code)

    def country(self, code: str) -> str:
        return country_name(code, self.locale) if len(code) == 2 else self.t("Not given")

    def language(self, code: str) -> str:
        return self.t("Not given") if code == UNKNOWN else language_label(code, self.locale)

    def objective(self, number: int) -> str:
        return f"{number}. {self.t(_OBJECTIVE_SHORT[number])}"


Cell = str | Shown  # a label, or a count as readers may see it


class Table(NamedTuple):
    title: str
    header: list[str]
    rows: list[list[Cell]]


def cell_text(cell: Cell) -> str:
    return cell.text if isinstance(cell, Shown) else cell


def tables(data: ReportData, labels: Labels) -> list[Table]:
    """Every table of the report; each count is what the disclosure policy shows of it."""
    t = labels.t

    def crosstab(title: str, name: str, column_label: Callable[[str], str]) -> Table:
        columns = data.categories[name]
        header = [t("Stakeholder group"), *(column_label(str(c)) for c in columns)]
        rows: list[list[Cell]] = [
            [labels.group(str(g)), *(data.cell(name, g, c) for c in columns)]
            for g in data.group_rows()
        ]
        return Table(title, header, rows)

    def one_way(
        title: str,
        heading: str,
        name: str,
        label: Callable[[str], str],
        every: str | None = None,
        prefix: str | None = None,
    ) -> Table:
        """A one-way table; ``every`` labels its one line when every count is small and the
        categories are those counted (naming one would tell that it has an input)."""
        if every is not None and data.all_small(name):
            return Table(
                title,
                [heading, t("Inputs")],
                [[t(every), Shown(HIDDEN_SYMBOL, None, Reason.SMALL_BREAKDOWN)]],
            )
        return Table(
            title,
            [heading, t("Inputs")],
            [[label(str(code)), shown] for code, shown in data.listed(name, prefix=prefix)],
        )

    return [
        one_way(
            t("Inputs by channel"), t("Channel"), "channel", labels.channel, prefix=CHANNEL_TOTALS
        ),
        one_way(t("Inputs by language"), t("Language"), "locale", labels.language),
        crosstab(t("Stakeholder group by age group"), "age", labels.age),
        crosstab(t("Stakeholder group by gender"), "gender", labels.gender),
        crosstab(t("Stakeholder group by channel"), "channel", labels.channel),
        one_way(
            t("Inputs by country"), t("Country"), "country", labels.country, every=EVERY_COUNTRY
        ),
        one_way(t("Inputs by discussion theme"), t("Discussion theme"), "theme", labels.theme),
        Table(
            t("Inputs by GCM objective"),
            [t("GCM objective"), t("Inputs")],
            [[labels.objective(int(str(n))), shown] for n, shown in data.listed("objective")],
        ),
        one_way(
            t("Inputs by language written"),
            t("Language"),
            "language",
            labels.language,
            every=EVERY_LANGUAGE,
        ),
        Table(
            t("Repeated texts and campaigns"),
            [t("Text"), t("Inputs")],
            [
                [words if words is not None else t(TEXT_NOT_SHOWN), shown]
                for words, shown in data.repeated()
            ],
        ),
        Table(
            t("Key phrases"),
            [t("Language"), t("Distinctive terms, compared with the other regional reviews")],
            [[labels.language(c), ", ".join(terms)] for c, terms in data.key_phrases.items()],
        ),
    ]


def _charts(data: ReportData, labels: Labels) -> dict[str, list[tuple[str, Shown]]]:
    """The charts' bars, (label, shown count): the rows of the tables beside them."""
    return {
        "group": [(labels.group(str(g)), s) for g, s in data.listed("group")],
        "theme": [(labels.theme(str(c)), s) for c, s in data.listed("theme")],
        "objective": [(labels.objective(int(str(n))), s) for n, s in data.listed("objective")],
    }


def footnotes(data: ReportData, labels: Labels) -> list[tuple[str, str]]:
    """(symbol, what it means) for each symbol the report's counts use."""
    symbols = {SMALL_NOTE: SMALL_SYMBOL, HIDDEN_NOTE: HIDDEN_SYMBOL}
    return [
        (symbols[note], labels.t(note, small=SMALL_COUNT, symbol=HIDDEN_SYMBOL))
        for note in data.counts.footnotes()
    ]


def _context(data: ReportData, locale: str) -> dict[str, Any]:
    labels = Labels(locale)
    rtl = is_rtl(locale)
    review = data.review
    charts = _charts(data, labels)
    return {
        "data": data,
        "labels": labels,
        "locale": locale,
        "dir": text_direction(locale),
        "title": labels.t("Summary report: %(region)s", region=labels.t(review.region)),
        "commission": labels.t(review.commission),
        "consultation": f"{format_date(review.consultation_on, 'long', locale=locale)} · "
        f"{labels.t(MEETING_FORMATS[review.meeting_format])} · {review.venue}",
        "generated": format_datetime(data.generated_at, "medium", locale=locale),
        "period": (
            f"{format_date(data.first_input, 'long', locale=locale)} – "
            f"{format_date(data.last_input, 'long', locale=locale)}"
        )
        if data.first_input and data.last_input
        else "—",
        "total": data.counts[TOTAL].text,
        "tables": tables(data, labels),
        "theme_chart": bar_chart_svg(
            charts["theme"], title=labels.t("Inputs by discussion theme"), rtl=rtl
        ),
        "objective_chart": bar_chart_svg(
            charts["objective"], title=labels.t("Inputs by GCM objective"), rtl=rtl
        ),
        "group_chart": bar_chart_svg(
            charts["group"], title=labels.t("Inputs by stakeholder group"), rtl=rtl
        ),
        "registrations": [
            (labels.t(ATTENDANCE_MODES[str(m)]), data.counts[("registrations", m)])
            for m in data.categories["registrations"]
        ],
        "travel": data.counts["travel"].text,
        "suggestions": (
            data.counts["suggestions_accepted"].text,
            data.counts["suggestions_decided"].text,
        ),
        "footnotes": footnotes(data, labels),
        "method_note": [
            labels.t(line, small=SMALL_COUNT, min=MIN_CONTRIBUTORS) for line in METHOD_NOTE
        ],
    }


@cache
def _environment(locale: str, fmt: str) -> Environment:
    """HTML autoescaped; Markdown with every ``{{ ... }}`` escaped as Markdown text."""
    if fmt == "md":
        env = Environment(
            loader=PackageLoader("intake_api", "templates/report"),
            autoescape=False,  # noqa: S701 - Markdown, escaped by finalize
            finalize=markdown_finalize,
            extensions=["jinja2.ext.i18n"],
        )
        env.filters["quote"] = markdown_quote
    else:
        env = Environment(
            loader=PackageLoader("intake_api", "templates/report"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
        )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(data: ReportData, locale: str) -> bytes:
    return (
        _environment(locale, "html")
        .get_template("report.html")
        .render(_context(data, locale))
        .encode()
    )


def render_markdown(data: ReportData, locale: str) -> bytes:
    return (
        _environment(locale, "md").get_template("report.md").render(_context(data, locale)).encode()
    )


def render_csv(data: ReportData, locale: str) -> bytes:
    """Every table, one after the other: section, then the table's own columns; then what
    each symbol means, one (symbol, meaning) row each."""
    out = io.StringIO()
    writer = csv.writer(out)
    labels = Labels(locale)
    for title, header, rows in tables(data, labels):
        writer.writerow([spreadsheet_cell(title)])
        writer.writerow([spreadsheet_cell(h) for h in header])
        writer.writerows([spreadsheet_cell(cell_text(v)) for v in row] for row in rows)
        writer.writerow([])
    writer.writerows([symbol, spreadsheet_cell(note)] for symbol, note in footnotes(data, labels))
    return out.getvalue().encode("utf-8-sig")


# The tables drawn as native Excel charts (sheet numbers): themes and objectives.
XLSX_CHARTS = (7, 8)


def render_xlsx(data: ReportData, locale: str) -> bytes:
    """A sheet per table, with native Excel charts for themes and objectives.

    A count shown is a number; a hidden one stays its symbol, as text, below the shown
    ones (``Disclosure.ordered``), and the charts take only the numbers."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    labels = Labels(locale)
    notes = footnotes(data, labels)
    for index, (title, header, rows) in enumerate(tables(data, labels), start=1):
        sheet = workbook.add_worksheet(f"{index}")
        if is_rtl(locale):
            sheet.right_to_left()
        sheet.write_string(0, 0, spreadsheet_cell(title), bold)
        sheet.write_row(1, 0, [spreadsheet_cell(h) for h in header], bold)
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row):
                if isinstance(value, Shown) and value.number is not None:
                    sheet.write_number(r, c, value.number)
                else:
                    sheet.write_string(r, c, spreadsheet_cell(cell_text(value)))
        for r, (symbol, note) in enumerate(notes, start=len(rows) + 3):
            sheet.write_string(r, 0, symbol)
            sheet.write_string(r, 1, spreadsheet_cell(note))
        sheet.set_column(0, 0, 40)
        charted = [row for row in rows if isinstance(row[1], Shown) and row[1].number is not None]
        if index in XLSX_CHARTS and charted:  # shown counts come first: the chart stops at the last
            chart = workbook.add_chart({"type": "bar"})
            chart.add_series(
                {
                    "name": title,
                    "categories": [sheet.name, 2, 0, len(charted) + 1, 0],
                    "values": [sheet.name, 2, 1, len(charted) + 1, 1],
                    "fill": {"color": "#00528a"},
                }
            )
            chart.set_legend({"none": True})
            sheet.insert_chart(1, 3, chart, {"x_scale": 1.5, "y_scale": 1.5})
    workbook.close()
    return buffer.getvalue()


def render_docx(data: ReportData, locale: str) -> bytes:
    """A Word document with headings, tables and charts (codes on the charts, names in the tables)."""
    from docx import Document
    from docx.shared import Inches

    context = _context(data, locale)
    t = context["labels"].t
    document = Document()
    document.add_heading(docx_text(context["title"]), level=0)
    document.add_paragraph(docx_text(f"{context['commission']} · {context['consultation']}"))
    document.add_heading(t("Overview"), level=1)
    document.add_paragraph(t("Inputs received: %(count)s", count=context["total"]))
    document.add_paragraph(t("Period: %(period)s", period=context["period"]))
    charts = {  # codes: every font has them
        t("Inputs by discussion theme"): [(str(c), s) for c, s in data.listed("theme")],
        t("Inputs by GCM objective"): [(str(n), s) for n, s in data.listed("objective")],
    }
    for title, header, rows in context["tables"]:
        document.add_heading(docx_text(title), level=2)
        if title in charts and charts[title]:
            document.add_picture(io.BytesIO(bar_chart_png(charts[title])), width=Inches(6))
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = docx_text(text)
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = docx_text(cell_text(value))
    for _symbol, note in context["footnotes"]:
        document.add_paragraph(docx_text(note))
    document.add_heading(t("In their words"), level=1)
    for theme, quotes in data.quotes.items():
        document.add_heading(context["labels"].theme(theme), level=2)
        for _receipt, text in quotes:
            document.add_paragraph(docx_text(text), style="Intense Quote")
    document.add_heading(t("Method and data protection"), level=1)
    for line in context["method_note"]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


METHOD_NOTE = (
    N_(
        "Inputs were collected through web forms, a Telegram bot and Network staff in Slack, in seven languages, with the consent of each contributor."
    ),
    N_(
        'Contributors are not named. Counts below %(small)s are shown as "<%(small)s" so that no one can be singled out.'
    ),
    N_(
        "Quotes appear only where the contributor agreed to be quoted and staff chose the input for the report."
    ),
    N_(
        "Words of contributors younger than the age of digital consent, and words that disclose a protection risk, are never quoted."
    ),
    N_("Key phrases are terms used by at least %(min)s different contributors."),
)

FORMATS: dict[str, Callable[[ReportData, str], bytes]] = {
    "html": render_html,
    "md": render_markdown,
    "csv": render_csv,
    "xlsx": render_xlsx,
    "docx": render_docx,
}


def render_report(data: ReportData, fmt: str, locale: str) -> bytes:
    return FORMATS[fmt](data, locale)
