"""What an output publishes about its counts, read back from the output alone.

Each reader takes a rendered output (the report as HTML, Markdown, CSV, XLSX or DOCX,
the digest as Slack blocks or e-mail text, App Home's blocks, the API's JSON) and
returns ``Published``: the numbers it prints, the counts it prints as a symbol, and
every sum a reader of that output can check (a table's rows add up to the inputs
received; a group's cells add up to its bar in the chart beside the table). Counts an
output ties to others without printing them (a group's total in a CSV that lists its
row) are "unseen": 0 or more. Keys are labels as printed, so the test compares them
with the store's own counts under the same labels.

Nothing here imports the code that rendered the output, except the label texts.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import docx
import openpyxl
from markdown_it import MarkdownIt

Key = Hashable
SYMBOLS = {"<5": "small", "x": "any"}  # what a symbol tells a reader who is not told why

# The report's tables by title (English), and the chart that shows a table's counts.
CROSSTABS = {
    "Stakeholder group by age group": "age",
    "Stakeholder group by gender": "gender",
    "Stakeholder group by channel": "channel",
}
ONE_WAY = {
    "Inputs by channel": "by_channel",
    "Inputs by age group": "by_age",
    "Inputs by language": "locale",
    "Inputs by country": "country",
    "Inputs by discussion theme": "theme",
    "Inputs by language written": "language",
}
ONE_LINE = {
    "Each country",
    "Each language",
    "Each stakeholder group",
    "Each age group",
    "Each channel",
    "Each discussion theme",
}
SEPARATE = {"Inputs by GCM objective": "objective", "Repeated texts and campaigns": "campaign"}
CHARTS = {
    "Inputs by stakeholder group": "group",
    "Inputs by age group": "by_age",
    "Inputs by discussion theme": "theme",
    "Inputs by GCM objective": "objective",
}


@dataclass
class Published:
    shown: dict[Key, int] = field(default_factory=dict)
    hidden: dict[Key, str] = field(default_factory=dict)  # key -> what a reader knows of it
    symbols: dict[Key, str] = field(default_factory=dict)  # hidden counts printed as a symbol
    sums: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)

    def count(self, key: Key, text: str, reason: str | None = None) -> None:
        """A count as printed: a number, or a symbol (``reason`` when the output names it)."""
        text = text.strip()
        if text.isdigit():
            assert self.symbols.get(key) is None and self.shown.get(key, int(text)) == int(text), (
                key,
                text,
            )
            self.shown[key] = int(text)
            self.hidden.pop(key, None)
        else:
            assert text in SYMBOLS, f"{key!r} printed as {text!r}: neither a number nor a symbol"
            assert key not in self.shown and self.symbols.get(key, text) == text, (key, text)
            self.symbols[key] = text
            self.hidden[key] = reason or SYMBOLS[text]

    def take(self, kind: str) -> list[str]:
        """The counts keyed ``(kind, ...)`` as printed, taken out (for checks of their own)."""
        keys = [k for k in (*self.shown, *self.hidden) if isinstance(k, tuple) and k[0] == kind]
        printed = [str(self.shown[k]) if k in self.shown else self.symbols[k] for k in keys]
        for key in keys:
            self.shown.pop(key, None)
            self.hidden.pop(key, None)
            self.symbols.pop(key, None)
        return printed

    def unseen(self, key: Key) -> None:
        if key not in self.shown and key not in self.hidden:
            self.hidden[key] = "any"

    def add_sum(self, total: Key, parts: Iterable[Key]) -> None:
        parts = tuple(parts)
        for key in (total, *parts):
            self.unseen(key)
        if parts:
            self.sums.append((total, parts))


# The report -------------------------------------------------------------------------------


@dataclass
class ReportView:
    """A report as any format lays it out: tables by title, the charts, the lines with counts."""

    tables: dict[str, list[list[str]]] = field(default_factory=dict)  # title -> header, then rows
    charts: dict[str, list[tuple[str, str, float | None]]] = field(
        default_factory=dict
    )  # (label, text, bar)
    total: str | None = None
    lines: dict[str, str] = field(default_factory=dict)  # "Online" -> "<5", ...
    chart_ranges: list[list[Any]] = field(default_factory=list)  # the XLSX charts' values


def _full_label(label: str, labels: list[str]) -> str:
    """A chart cuts long labels ("Regional priorities and gaps in impleme…"): the table's row."""
    if not label.endswith("…"):
        return label
    (full,) = [candidate for candidate in labels if candidate.startswith(label[:-1])]
    return full


def report_published(view: ReportView) -> Published:
    p = Published()
    rows_of = {
        "group": [row[0] for row in view.tables["Stakeholder group by channel"][1:]],
        "by_age": [row[0] for row in view.tables["Inputs by age group"][1:]],
        "theme": [row[0] for row in view.tables["Inputs by discussion theme"][1:]],
        "objective": [row[0] for row in view.tables["Inputs by GCM objective"][1:]],
    }
    for title, rows in view.charts.items():
        for label, text, _bar in rows:
            dimension = CHARTS[title]
            p.count((dimension, _full_label(label, rows_of[dimension])), text)
    if view.total is not None:
        p.count("inputs", view.total)
    groups: list[str] = []
    for title, dimension in CROSSTABS.items():
        header, *rows = view.tables[title]
        for group, *cells in rows:
            groups.append(group) if group not in groups else None
            for column, text in zip(header[1:], cells, strict=True):
                p.count((dimension, group, column), text)
            p.add_sum(("group", group), [(dimension, group, column) for column in header[1:]])
    p.add_sum("inputs", [("group", g) for g in groups])
    for title, dimension in ONE_WAY.items():
        _header, *rows = view.tables[title]
        if len(rows) == 1 and rows[0][0] in ONE_LINE:
            continue  # no category named: nothing to add up
        for label, text in rows:
            p.count((dimension, label), text)
        p.add_sum("inputs", [(dimension, label) for label, _ in rows])
    channel_header, *channel_rows = view.tables["Stakeholder group by channel"]
    for column in channel_header[1:]:
        if ("by_channel", column) not in p.shown and ("by_channel", column) not in p.hidden:
            p.count(("by_channel", column), "0")  # left out of "Inputs by channel": none
        p.add_sum(("by_channel", column), [("channel", row[0], column) for row in channel_rows])
    age_header, *age_rows = view.tables["Stakeholder group by age group"]
    for column in age_header[1:]:
        if ("by_age", column) not in p.shown and ("by_age", column) not in p.hidden:
            p.count(("by_age", column), "0")  # left out of "Inputs by age group": none
        p.add_sum(("by_age", column), [("age", row[0], column) for row in age_rows])
    for title, dimension in SEPARATE.items():
        _header, *rows = view.tables[title]
        for index, (label, text) in enumerate(rows):
            key = (dimension, label if dimension != "campaign" else index)
            p.count(key, text)
            if dimension == "objective":
                at_most(p, key, "inputs")  # an input names an objective once
    for label, text in view.lines.items():
        p.count(("line", label), text)
    if ("line", "travel support requested") in p.shown or (
        "line",
        "travel support requested",
    ) in p.hidden:
        at_most(
            p, ("line", "travel support requested"), ("line", "In person")
        )  # travel support is for in person
    return p


def at_most(p: Published, part: Key, whole: Key) -> None:
    """What a reader knows without a sum printed: ``part`` counts some of ``whole``'s inputs."""
    p.add_sum(whole, [part, ("rest of", whole, part)])


class _Html(HTMLParser):
    """Tables (titled by their caption or the heading before them), SVG charts and list items."""

    def __init__(self) -> None:
        super().__init__()
        self.view = ReportView()
        self.heading = ""
        self.text: list[str] | None = None
        self.table: list[list[str]] | None = None
        self.title = ""
        self.chart: str | None = None
        self.svg: list[tuple[str, dict[str, str | None]]] = []
        self.items: list[str] = []
        self.paragraphs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "svg":
            self.chart = attributes.get("aria-label") or ""
            self.svg = []
        elif self.chart is not None and tag in ("text", "rect"):
            self.svg.append((tag, attributes))
            self.text = [] if tag == "text" else self.text
        elif tag == "table":
            self.table, self.title = [], self.heading
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("th", "td", "caption", "h2", "h3", "li", "p"):
            self.text = []

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self.text or []).strip()
        if tag == "svg":
            self._chart()
            self.chart = None
        elif self.chart is not None and tag == "text":
            self.svg[-1][1]["content"] = text
        elif tag in ("th", "td") and self.table is not None:
            self.table[-1].append(text)
        elif tag == "caption":
            self.title = text
        elif tag == "table" and self.table is not None:
            self.view.tables[self.title] = self.table
            self.table = None
        elif tag in ("h2", "h3"):
            self.heading = text
        elif tag == "li":
            self.items.append(text)
        elif tag == "p":
            self.paragraphs.append(text)
        if tag in ("th", "td", "caption", "h2", "h3", "li", "p", "text"):
            self.text = None

    def _chart(self) -> None:
        """Rows of label, bar (a rect on the same line, if any) and number, by their y."""
        texts = [a for tag, a in self.svg if tag == "text"]
        bars = {
            float(a["y"] or 0) + 12: float(a["width"] or 0) for tag, a in self.svg if tag == "rect"
        }
        rows = []
        for label, number in zip(texts[::2], texts[1::2], strict=True):
            assert label["y"] == number["y"]
            rows.append(
                (label["content"] or "", number["content"] or "", bars.get(float(label["y"] or 0)))
            )
        self.view.charts[self.chart or ""] = rows


_LINES = re.compile(r"^(Online|In person|travel support requested): (\S+)$")
_TOTAL = re.compile(r"Inputs received: (\S+)")


def _lines(view: ReportView, texts: Iterable[str]) -> None:
    for text in texts:
        match = _LINES.match(text.strip())
        if match:
            view.lines[match.group(1)] = match.group(2)
        total = _TOTAL.search(text)
        if total:
            view.total = total.group(1)


def read_html(html: str) -> ReportView:
    parser = _Html()
    parser.feed(html)
    _lines(parser.view, [*parser.items, *parser.paragraphs])
    return parser.view


def read_markdown(markdown: str) -> ReportView:
    """As a Markdown viewer shows it: rendered, then read as HTML (tables titled by their heading)."""
    return read_html(MarkdownIt("commonmark").enable("table").render(markdown))


def read_csv(body: bytes) -> ReportView:
    view = ReportView()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    index = 0
    while index < len(rows):
        if len(rows[index]) == 1:  # a title, its header, its rows, a blank line
            end = rows.index([], index)
            view.tables[rows[index][0]] = rows[index + 1 : end]
            index = end
        index += 1
    return view


def read_xlsx(body: bytes) -> ReportView:
    view = ReportView()
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    values: dict[str, list[list[Any]]] = {}
    for sheet in workbook:
        cells = [list(row) for row in sheet.iter_rows(values_only=True)]
        values[sheet.title] = cells
        table = []
        for row in cells[1:]:
            if all(v is None for v in row):
                break
            table.append(
                ["" if v is None else str(v) for v in row if v is not None or row.index(v) == 0]
            )
        view.tables[str(cells[0][0])] = [r[: len(table[0])] for r in table]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/charts/chart"):
                xml = archive.read(name).decode()
                for sheet, first, last in re.findall(
                    r"<c:val><c:numRef><c:f>'?([^'!]+)'?!\$B\$(\d+):\$B\$(\d+)</c:f>", xml
                ):
                    view.chart_ranges.append(
                        [values[sheet][r - 1][1] for r in range(int(first), int(last) + 1)]
                    )
    return view


def read_docx(body: bytes) -> ReportView:
    view = ReportView()
    document = docx.Document(io.BytesIO(body))
    titles = [
        p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 2"
    ]
    for title, table in zip(titles, document.tables, strict=False):
        view.tables[title] = [[cell.text for cell in row.cells] for row in table.rows]
    _lines(view, [p.text for p in document.paragraphs])
    return view


READERS = {
    "html": lambda b: read_html(b.decode()),
    "md": lambda b: read_markdown(b.decode()),
    "csv": read_csv,
    "xlsx": read_xlsx,
    "docx": read_docx,
}


# Digests, App Home, the API -------------------------------------------------------------------

DIGEST_LISTS = {
    "By stakeholder group": "group",
    "By age group": "by_age",
    "By channel": "by_channel",
    "By language": "language",
    "By discussion theme": "theme",
}
DIGEST_LISTED = 8  # a digest lists the first eight of a breakdown
HOME_LISTED = 6


def _listed(
    p: Published, total: Key, dimension: str, rows: list[tuple[str, str]], cut: int
) -> None:
    """A breakdown of ``total`` as listed: when the list is full, the rest is unseen."""
    if len(rows) == 1 and rows[0][0] in ONE_LINE:
        return
    for label, text in rows:
        p.count((dimension, label), text)
    rest = [("rest", dimension)] if len(rows) >= cut else []
    p.add_sum(total, [*((dimension, label) for label, _ in rows), *rest])


_BULLET = re.compile(r"^\s*(?:•|-)\s+(.+): (\S+)$")


def _bullets(lines: Iterable[str]) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in map(_BULLET.match, lines) if m]


def digest_published(
    new_inputs: str, lists: dict[str, list[tuple[str, str]]], records: dict[str, str]
) -> Published:
    p = Published()
    p.count("inputs", new_inputs)
    for title, dimension in DIGEST_LISTS.items():
        _listed(p, "inputs", dimension, lists[title], DIGEST_LISTED)
    for label, text in lists["By GCM objective"]:
        p.count(("objective", label), text)
        at_most(p, ("objective", label), "inputs")
    for label, text in records.items():
        p.count(("record", label), text)
    at_most(p, ("record", "travel"), ("record", "Registrations"))
    return p


_RECORDS = re.compile(  # "*Pledges*: 5" (Slack: the label bold, then the reader's colon)
    r"Pledges\*?:\*? (\S+) · \*?Practices\*?:\*? (\S+) · \*?Registrations\*?:\*? (\S+) "
    r"\(travel support requested: (\S+)\)"
)


def _records(text: str) -> dict[str, str]:
    match = _RECORDS.search(text)
    assert match, text
    return dict(
        zip(("Pledges", "Practices", "Registrations", "travel"), match.groups(), strict=True)
    )


def read_slack_digest(blocks: list[dict[str, Any]]) -> Published:
    """The digest's blocks: each titled list (``*Title*`` then bullets) and the counted lines."""
    texts = [
        unescape_slack(b["text"]["text"])
        for b in blocks
        if b.get("text", {}).get("type") == "mrkdwn"
    ]
    texts += [unescape_slack(f["text"]) for b in blocks for f in b.get("fields", [])]
    lists: dict[str, list[tuple[str, str]]] = {}
    new_inputs = ""
    for text in texts:
        first, *rest = text.split("\n")
        if first.startswith(("*New inputs:*", "*New inputs*:")):
            new_inputs = first.split(":", 1)[1].strip("* ")
        lists[first.strip("*")] = _bullets(rest)
    return digest_published(new_inputs, lists, _records("\n".join(texts)))


def read_email_text(text: str) -> Published:
    lines = text.splitlines()
    lists: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    new_inputs = ""
    for line in lines:
        if line.startswith("New inputs: "):
            new_inputs = line.removeprefix("New inputs: ")
        elif line.endswith(":") and not line.startswith(" "):
            current = lists.setdefault(line[:-1], [])
        elif current is not None and _BULLET.match(line):
            current.extend(_bullets([line]))
    return digest_published(new_inputs, lists, _records(text))


class _EmailHtml(HTMLParser):
    """The HTML digest as blocks (paragraphs, table cells, list items), each a list of lines
    split where a line break is."""

    BLOCKS = ("p", "td", "th", "li", "h2", "h3")

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.blocks.append([""])
        elif tag == "br" and self.blocks:
            self.blocks[-1].append("")

    def handle_data(self, data: str) -> None:
        if self.blocks:
            self.blocks[-1][-1] += data


def read_email_html(html: str) -> Published:
    parser = _EmailHtml()
    parser.feed(html)
    blocks = [[line.strip() for line in block if line.strip()] for block in parser.blocks]
    blocks = [block for block in blocks if block]
    lists: dict[str, list[tuple[str, str]]] = {}
    columns = blocks.index(["By stakeholder group"])  # four titles in a row, then their four cells
    for title, cell in zip(
        blocks[columns : columns + 4], blocks[columns + 4 : columns + 8], strict=True
    ):
        lists[title[0]] = _bullets(f"- {line}" for line in cell)
    for block in blocks:
        if block[0] in ("By discussion theme", "By GCM objective"):
            lists[block[0]] = _bullets(f"- {line}" for line in block[1:])
    (new_inputs,) = [
        block[0].removeprefix("New inputs:").strip()
        for block in blocks
        if block[0].startswith("New inputs:")
    ]
    return digest_published(new_inputs, lists, _records(" ".join(" ".join(b) for b in blocks)))


def unescape_slack(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def read_app_home(view: dict[str, Any]) -> dict[str, Published]:
    """Per review (its region line): today, this week, total and the groups listed."""
    published: dict[str, Published] = {}
    review = ""
    for block in view["blocks"]:
        if block.get("type") == "section" and "text" in block:
            first = unescape_slack(block["text"]["text"]).split("\n")[0]
            match = re.match(r"^\*.+\((\w+)\)\*$", first)  # "*Arab region (ESCWA)*"
            if match:
                review = match.group(1).lower()
        if block.get("type") == "section" and "fields" in block:
            fields = {
                f["text"].split("\n")[0].strip("*"): unescape_slack(f["text"].split("\n", 1)[1])
                for f in block["fields"]
            }
            p = Published()
            p.count("today", fields["Today"])
            p.count("week", fields["This week"])
            p.count("total", fields["Total"])
            at_most(p, "today", "week")
            at_most(p, "week", "total")
            groups = (
                []
                if fields["By stakeholder group"] == "—"
                else [
                    tuple(item.rsplit(": ", 1))
                    for item in fields["By stakeholder group"].split(", ")
                ]
            )
            _listed(p, "total", "group", groups, HOME_LISTED)  # type: ignore[arg-type]
            ages = (
                []
                if fields["By age group"] == "—"
                else [tuple(item.rsplit(": ", 1)) for item in fields["By age group"].split(", ")]
            )
            _listed(p, "total", "by_age", ages, HOME_LISTED)  # type: ignore[arg-type]
            published[review] = p
    return published


def read_api_stats(
    answer: dict[str, Any], labels: dict[str, str], age_labels: dict[str, str]
) -> Published:
    """The API names why each count is hidden: the attacker is told."""
    p = Published()

    def count(key: Key, value: dict[str, Any]) -> None:
        assert (value["count"] is None) == (value["suppressed"] is not None)
        assert value["count"] is None or value["shown"] == str(value["count"])
        p.count(key, value["shown"], value["suppressed"])

    for name in ("today", "week", "total", "flagged"):
        count(name, answer[name])
    for group, value in answer["by_stakeholder_group"].items():
        count(("group", labels[group]), value)
    p.add_sum("total", [("group", labels[g]) for g in answer["by_stakeholder_group"]])
    for age, value in answer["by_age_group"].items():
        count(("by_age", age_labels[age]), value)
    p.add_sum("total", [("by_age", age_labels[a]) for a in answer["by_age_group"]])
    at_most(p, "today", "week")
    at_most(p, "week", "total")
    at_most(p, "flagged", "total")
    return p
