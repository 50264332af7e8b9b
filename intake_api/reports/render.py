"""One report, several formats: HTML (prints to PDF), Markdown, CSV, XLSX and DOCX.

Each format writes every value through its one encoding (``policies.encoding``):
Jinja autoescape for HTML, Markdown escaping as the Markdown template's ``finalize``,
formula neutralisation for CSV and XLSX cells, XML-safe text for Word.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Hashable, Sequence
from functools import cache
from typing import Any, NamedTuple

from babel.dates import format_date, format_datetime
from jinja2 import Environment, PackageLoader

from intake_api.i18n import (
    collation_key,
    gettext,
    is_rtl,
    isolate,
    jinja_callables,
    join_list,
    plural,
    text_direction,
    translations,
)
from intake_api.participation import (
    AGE_TOTALS,
    EVERY_COUNTRY,
    EVERY_LANGUAGE,
    NOT_GIVEN,
    UNKNOWN,
    category_label,
)
from intake_api.policies.disclosure import (
    HIDDEN_NOTE,
    HIDDEN_SYMBOL,
    SMALL_COUNT,
    SMALL_NOTE,
    Reason,
    Shown,
    footnote,
    marker,
    markers,
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
from intake_api.review_names import venue
from models.markers import NP_, Plural
from models.reference import (
    MEETING_FORMATS,
    N_,
    OBJECTIVES,
)

_OBJECTIVE_SHORT = {o.number: o.short for o in OBJECTIVES}
INPUTS_BY_AGE = N_("Inputs by age group")


class Labels:
    """Codes in the report's language."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def t(self, message: str, **params: Any) -> str:
        return gettext(self.locale, message, **params)

    def group(self, code: str) -> str:
        return category_label(self.locale, "group", code)

    def age(self, code: str) -> str:
        return category_label(self.locale, "age", code)

    def gender(self, code: str) -> str:
        return category_label(self.locale, "gender", code)

    def channel(self, code: str) -> str:
        return category_label(self.locale, "channel", code)

    def theme(self, code: str) -> str:
        return category_label(self.locale, "theme", code)

    def country(self, code: str) -> str:
        return category_label(self.locale, "country", code)

    def countries(self, codes: Sequence[str]) -> str:
        """Country names as one list, with the reader's separator ("، " in Arabic)."""
        return join_list(self.locale, (self.country(c) for c in codes))

    def language(self, code: str) -> str:
        return category_label(self.locale, "language", code)

    def objective(self, number: int) -> str:
        return f"{number}. {self.t(_OBJECTIVE_SHORT[number])}"

    def reading_order(
        self, codes: Sequence[Hashable], label: Callable[[str], str]
    ) -> list[Hashable]:
        """Codes in the alphabetical order of their labels for this reader (pinyin in Chinese),
        so that a reader finds a row where they look for it; then "Other", then "Not given"."""
        key = collation_key(self.locale)
        not_given = self.t(NOT_GIVEN)

        def order(code: Hashable) -> tuple[int, Any]:
            name = label(str(code))
            return (2 if name == not_given else int(str(code) in SORTED_LAST), key(name))

        return sorted(codes, key=order)


# Codes a cross-tabulation lists after the others, whatever their label.
SORTED_LAST = frozenset({"other", UNKNOWN})
# Cross-tabulation columns whose codes have an order of their own (age bands), kept as they are.
ORDINAL = frozenset({"age"})


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
        columns: Sequence[Hashable] = data.categories[name]
        if name not in ORDINAL:
            columns = labels.reading_order(columns, column_label)
        header = [t("Stakeholder group"), *(column_label(str(c)) for c in columns)]
        rows: list[list[Cell]] = [
            [labels.group(str(g)), *(data.cell(name, g, c) for c in columns)]
            for g in labels.reading_order(data.group_rows(), labels.group)
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
        one_way(t(INPUTS_BY_AGE), t("Age group"), "age", labels.age, prefix=AGE_TOTALS),
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
            [
                [labels.language(c), join_list(labels.locale, terms)]
                for c, terms in data.key_phrases.items()
            ],
        ),
    ]


def _charts(data: ReportData, labels: Labels) -> dict[str, list[tuple[str, Shown]]]:
    """The charts' bars, (label, shown count): the rows of the tables beside them."""
    return {
        "group": [(labels.group(str(g)), s) for g, s in data.listed("group")],
        "age": [(labels.age(str(a)), s) for a, s in data.listed("age", prefix=AGE_TOTALS)],
        "theme": [(labels.theme(str(c)), s) for c, s in data.listed("theme")],
        "objective": [(labels.objective(int(str(n))), s) for n, s in data.listed("objective")],
    }


def footnotes(data: ReportData, labels: Labels) -> list[tuple[str, str]]:
    """(marker, what it means) for each marker the report's counts use, in its language."""
    reasons = {SMALL_NOTE: Reason.SMALL, HIDDEN_NOTE: Reason.COMPLEMENT}
    return [
        (marker(labels.locale, reasons[note]), footnote(labels.locale, note))
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
        f"{labels.t(MEETING_FORMATS[review.meeting_format])} · {venue(locale, review.slug)}",
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
        "age_chart": bar_chart_svg(charts["age"], title=labels.t(INPUTS_BY_AGE), rtl=rtl),
        "registrations": [
            (labels.t(ATTENDANCE_MODES[str(m)]), data.counts[("registrations", m)])
            for m in data.categories["registrations"]
        ],
        "travel": data.counts["travel"].text,
        "suggestions": (  # accepted, decided, the number the sentence's plural follows
            data.counts["suggestions_accepted"].in_language(locale),
            data.counts["suggestions_decided"].in_language(locale),
            data.counts["suggestions_decided"].counts_as,
        ),
        "footnotes": footnotes(data, labels),
        "method_note": method_note(locale),
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
    env.globals.update(jinja_callables(lambda: locale))
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
XLSX_CHARTS = (8, 9)


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
            chart = bar_chart_png(charts[title], rtl=is_rtl(locale))
            document.add_picture(io.BytesIO(chart), width=Inches(6))
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = docx_text(text)
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                text = cell_text(value)  # a count stays "<5" in Arabic, not "5>"
                cell.text = docx_text(isolate(locale, text) if isinstance(value, Shown) else text)
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
    if is_rtl(locale):
        _right_to_left(document.element.body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# What follows each property in its parent, in the schema's order (Word rejects a document
# whose properties are out of order).
_AFTER_BIDI = (
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
_AFTER_RTL = ("w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_BIDI_VISUAL = (
    "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize",
    "w:tblW",
    "w:jc",
    "w:tblCellSpacing",
    "w:tblInd",
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)


def _right_to_left(body: Any) -> None:
    """Make a Word body read right to left, as Word does for an Arabic document: each
    paragraph ``w:bidi`` (it starts on the right), each run of Arabic ``w:rtl`` and every
    run an Arabic ``w:lang`` (Word shapes and orders it as Arabic), each table
    ``w:bidiVisual`` (its first column on the right), each section ``w:bidi``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def ensure(parent: Any, tag: str, successors: tuple[str, ...]) -> Any:
        found = parent.find(qn(tag))
        if found is None:
            found = OxmlElement(tag)
            parent.insert_element_before(found, *successors)
        return found

    for paragraph in body.iter(qn("w:p")):
        ensure(paragraph.get_or_add_pPr(), "w:bidi", _AFTER_BIDI)
    for run in body.iter(qn("w:r")):
        properties = run.get_or_add_rPr()
        if _writes_right_to_left("".join(t.text or "" for t in run.iter(qn("w:t")))):
            ensure(properties, "w:rtl", _AFTER_RTL)
        ensure(properties, "w:lang", _AFTER_LANG).set(qn("w:bidi"), "ar-SA")
    for table in body.iter(qn("w:tbl")):
        ensure(table.tblPr, "w:bidiVisual", _AFTER_BIDI_VISUAL)
    for section in body.iter(qn("w:sectPr")):  # the page: gutter and columns on the right
        ensure(
            section, "w:bidi", ("w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")
        )


def _writes_right_to_left(text: str) -> bool:
    """Whether a run has right-to-left letters: an English quote, a code or an isolated
    "<5" marked ``w:rtl`` would have its digits and punctuation reordered."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


# Each line with the number its plural form follows (None: no count in it).
METHOD_NOTE: tuple[tuple[str | Plural, int | None], ...] = (
    (
        N_(
            "Inputs were collected through web forms, a Telegram bot and Network staff in Slack, in seven languages, with the consent of each contributor."
        ),
        None,
    ),
    (
        NP_(
            'Contributors are not named. Counts below %(small)s are shown as "%(marker)s" so that no one can be singled out.',
            'Contributors are not named. Counts below %(small)s are shown as "%(marker)s" so that no one can be singled out.',
        ),
        SMALL_COUNT,
    ),
    (
        N_(
            "Quotes appear only where the contributor agreed to be quoted and staff chose the input for the report."
        ),
        None,
    ),
    (
        N_(
            "Words of contributors younger than the age of digital consent or whose age group was not given, and words that disclose a protection risk, are never quoted."
        ),
        None,
    ),
    (
        NP_(
            "Key phrases are terms used by at least %(min)s different contributor.",
            "Key phrases are terms used by at least %(min)s different contributors.",
        ),
        MIN_CONTRIBUTORS,
    ),
)


def method_note(locale: str) -> list[str]:
    """The method note's lines in ``locale``, with the same "<5" marker as the tables."""
    values = {**markers(locale), "min": MIN_CONTRIBUTORS}
    return [
        plural(locale, line, n or 0, **values)
        if isinstance(line, Plural)
        else gettext(locale, line)
        for line, n in METHOD_NOTE
    ]


FORMATS: dict[str, Callable[[ReportData, str], bytes]] = {
    "html": render_html,
    "md": render_markdown,
    "csv": render_csv,
    "xlsx": render_xlsx,
    "docx": render_docx,
}


def render_report(data: ReportData, fmt: str, locale: str) -> bytes:
    return FORMATS[fmt](data, locale)
