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
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, PackageLoader

from intake_api.i18n import gettext, is_rtl, language_label, text_direction, translations
from intake_api.policies.encoding import (
    docx_text,
    markdown_finalize,
    markdown_quote,
    spreadsheet_cell,
)
from intake_api.policies.publication import MIN_CONTRIBUTORS, TEXT_NOT_SHOWN
from intake_api.reports.charts import bar_chart_png, bar_chart_svg
from intake_api.reports.data import SMALL_CELL, CrossTab, ReportData, suppressed
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

    def objective(self, number: int) -> str:
        return f"{number}. {self.t(_OBJECTIVE_SHORT[number])}"


def tables(data: ReportData, labels: Labels) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every table of the report as (title, header, rows), participation counts suppressed."""
    t = labels.t

    def crosstab(title: str, table: CrossTab, columns: dict[str, str], column_label: Callable[[str], str]):  # type: ignore[no-untyped-def]
        keys = [*columns, "unknown"]
        header = [t("Stakeholder group"), *(column_label(k) for k in keys)]
        rows = [[labels.group(g), *(suppressed(table[g].get(k, 0)) for k in keys)] for g in sorted(table)]
        return (title, header, rows)

    return [
        (t("Inputs by channel"), [t("Channel"), t("Inputs")], [[labels.channel(c), str(n)] for c, n in data.by_channel]),
        (t("Inputs by language"), [t("Language"), t("Inputs")],
         [[language_label(c, labels.locale), str(n)] for c, n in data.by_locale]),
        crosstab(t("Stakeholder group by age group"), data.group_by_age, AGE_GROUPS, labels.age),
        crosstab(t("Stakeholder group by gender"), data.group_by_gender, GENDERS, labels.gender),
        crosstab(t("Stakeholder group by channel"), data.group_by_channel, CHANNELS, labels.channel),
        (t("Inputs by country"), [t("Country"), t("Inputs")],
         [[labels.country(c), suppressed(n)] for c, n in data.by_country]),
        (t("Inputs by discussion theme"), [t("Discussion theme"), t("Inputs")],
         [[labels.theme(c), str(n)] for c, n in data.by_theme]),
        (t("Inputs by GCM objective"), [t("GCM objective"), t("Inputs")],
         [[labels.objective(n), str(c)] for n, c in data.by_objective]),
        (t("Inputs by language written"), [t("Language"), t("Inputs")],
         [[language_label(c, labels.locale), str(n)] for c, n in data.by_language]),
        (t("Repeated texts and campaigns"), [t("Text"), t("Inputs")],
         [[words if words is not None else t(TEXT_NOT_SHOWN), str(n)] for words, n in data.campaigns]),
        (t("Key phrases"), [t("Language"), t("Distinctive terms, compared with the other regional reviews")],
         [[language_label(c, labels.locale), ", ".join(terms)] for c, terms in data.key_phrases.items()]),
    ]  # fmt: skip


def _context(data: ReportData, locale: str) -> dict[str, Any]:
    labels = Labels(locale)
    rtl = is_rtl(locale)
    review = data.review
    return {
        "data": data, "labels": labels, "locale": locale, "dir": text_direction(locale),
        "title": labels.t("Summary report: %(region)s", region=labels.t(review.region)),
        "commission": labels.t(review.commission),
        "consultation": f"{format_date(review.consultation_on, 'long', locale=locale)} · "
                        f"{labels.t(MEETING_FORMATS[review.meeting_format])} · {review.venue}",
        "generated": format_datetime(data.generated_at, "medium", locale=locale),
        "period": (f"{format_date(data.first_input, 'long', locale=locale)} – "
                   f"{format_date(data.last_input, 'long', locale=locale)}") if data.first_input and data.last_input else "—",
        "tables": tables(data, labels),
        "theme_chart": bar_chart_svg([(labels.theme(c), n) for c, n in data.by_theme],
                                     title=labels.t("Inputs by discussion theme"), rtl=rtl),
        "objective_chart": bar_chart_svg([(labels.objective(n), c) for n, c in data.by_objective],
                                         title=labels.t("Inputs by GCM objective"), rtl=rtl),
        "group_chart": bar_chart_svg(
            sorted(((labels.group(g), sum(row.values())) for g, row in data.group_by_channel.items()),
                   key=lambda p: -p[1]), title=labels.t("Inputs by stakeholder group"), rtl=rtl),
        "small_cell": SMALL_CELL,
        "method_note": [labels.t(line, small=SMALL_CELL, min=MIN_CONTRIBUTORS) for line in METHOD_NOTE],
    }  # fmt: skip


@cache
def _environment(locale: str, fmt: str) -> Environment:
    """HTML autoescaped; Markdown with every ``{{ ... }}`` escaped as Markdown text."""
    if fmt == "md":
        env = Environment(loader=PackageLoader("intake_api", "templates/report"), autoescape=False,  # noqa: S701 - Markdown, escaped by finalize
                          finalize=markdown_finalize, extensions=["jinja2.ext.i18n"])  # fmt: skip
        env.filters["quote"] = markdown_quote
    else:
        env = Environment(loader=PackageLoader("intake_api", "templates/report"), autoescape=True,
                          extensions=["jinja2.ext.i18n"])  # fmt: skip
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(data: ReportData, locale: str) -> bytes:
    return _environment(locale, "html").get_template("report.html").render(_context(data, locale)).encode()


def render_markdown(data: ReportData, locale: str) -> bytes:
    return _environment(locale, "md").get_template("report.md").render(_context(data, locale)).encode()


def render_csv(data: ReportData, locale: str) -> bytes:
    """Every table, one after the other: section, then the table's own columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    for title, header, rows in tables(data, Labels(locale)):
        writer.writerow([spreadsheet_cell(title)])
        writer.writerow([spreadsheet_cell(h) for h in header])
        writer.writerows([spreadsheet_cell(v) for v in row] for row in rows)
        writer.writerow([])
    return out.getvalue().encode("utf-8-sig")


def render_xlsx(data: ReportData, locale: str) -> bytes:
    """A sheet per table, with native Excel charts for themes and objectives."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})  # fmt: skip
    bold = workbook.add_format({"bold": True})
    labels = Labels(locale)
    for index, (title, header, rows) in enumerate(tables(data, labels), start=1):
        sheet = workbook.add_worksheet(f"{index}")
        if is_rtl(locale):
            sheet.right_to_left()
        sheet.write_string(0, 0, spreadsheet_cell(title), bold)
        sheet.write_row(1, 0, [spreadsheet_cell(h) for h in header], bold)
        for r, row in enumerate(rows, start=2):
            sheet.write_row(r, 0, [int(v) if v.isascii() and v.isdigit() else spreadsheet_cell(v) for v in row])
        sheet.set_column(0, 0, 40)
        if index in (7, 8) and rows:
            chart = workbook.add_chart({"type": "bar"})
            chart.add_series({"name": title, "categories": [sheet.name, 2, 0, len(rows) + 1, 0],
                              "values": [sheet.name, 2, 1, len(rows) + 1, 1], "fill": {"color": "#00528a"}})  # fmt: skip
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
    document.add_paragraph(t("Inputs received: %(count)s", count=data.total_inputs))
    document.add_paragraph(t("Period: %(period)s", period=context["period"]))
    charts = {
        t("Inputs by discussion theme"): [(c, n) for c, n in data.by_theme],
        t("Inputs by GCM objective"): [(str(n), c) for n, c in data.by_objective],
    }
    for title, header, rows in context["tables"]:
        document.add_heading(docx_text(title), level=2)
        if title in charts and charts[title]:
            document.add_picture(io.BytesIO(bar_chart_png(charts[title], title=title)), width=Inches(6))
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = docx_text(text)
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = docx_text(text)
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
    N_("Inputs were collected through web forms, a Telegram bot and Network staff in Slack, in seven languages, with the consent of each contributor."),
    N_("Contributors are not named. Counts below %(small)s are shown as \"<%(small)s\" so that no one can be singled out."),
    N_("Quotes appear only where the contributor agreed to be quoted and staff chose the input for the report."),
    N_("Words of contributors younger than the age of digital consent, and words that disclose a protection risk, are never quoted."),
    N_("Key phrases are terms used by at least %(min)s different contributors."),
)

FORMATS: dict[str, Callable[[ReportData, str], bytes]] = {
    "html": render_html, "md": render_markdown, "csv": render_csv, "xlsx": render_xlsx, "docx": render_docx,
}


def render_report(data: ReportData, fmt: str, locale: str) -> bytes:
    return FORMATS[fmt](data, locale)
