"""One encoding per output format, so that what anyone wrote stays text in every output.

Contributor words, pledge and practice titles, organisation names, venues: whatever
an output prints that did not come from this codebase passes through the function
for that output's format, and nothing else does the escaping:

- HTML (report, e-mail, the SVG charts): Jinja's autoescape, and ``html_text`` for
  markup built in Python;
- Markdown (the report): ``markdown_text`` for one line (table cells, list items,
  headings), ``markdown_quote`` for a block quote; no raw HTML, no link, no table
  cell that breaks its row, whichever Markdown renderer opens the file;
- spreadsheets (CSV and XLSX, the report and the exports): ``spreadsheet_cell``, so no
  cell is run as a formula;
- Slack mrkdwn (every block builder): ``slack_mrkdwn``, so no text becomes a mention,
  a link or a broadcast to a channel;
- Word: ``docx_text``, so a stray control character cannot break the document.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import escape as _html_escape

# Characters XML 1.0 cannot hold, and C0 controls other than tab, newline and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

# HTML ---------------------------------------------------------------------------------


def html_text(value: object) -> str:
    """Text for HTML or SVG content and attribute values (quotes escaped too)."""
    return str(_html_escape(str(value)))


def xml_text(value: object) -> str:
    """Text for XML content and attribute values (Atom feeds): escaped, and without the
    characters XML 1.0 cannot hold, which would make the whole document unreadable."""
    return html_text(_CONTROL.sub("", str(value)))


# Markdown -----------------------------------------------------------------------------

# Characters that start HTML, entities, or break a table cell become character
# references: a Markdown renderer shows them as themselves and never splits or parses
# on them. (A backslash before "|" would not do: "\\|" is a backslash and a cell border.)
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "&#92;", "|": "&#124;"}
# Punctuation that makes emphasis, code, links, images, strikethrough or maths ("(" and
# "!" mean nothing once "[" is escaped, so they stay readable).
_MD_INLINE = frozenset("`*_[]~$")
# At the start of a line these make headings, lists, rules, block quotes or setext headings.
_MD_LINE_START = re.compile(r"^(#|[-+=]|\d{1,9}(?=[.)]))")


class MarkdownSafe(str):
    """Markdown this codebase produced, passed through the template unchanged."""

    __slots__ = ()


def markdown_text(value: object) -> str:
    """``value`` as Markdown text on one line: every character shown as written.

    Control characters are dropped (Markdown would show NUL as a replacement character).
    """
    if isinstance(value, MarkdownSafe):
        return value
    flat = " ".join(_CONTROL.sub("", str(value)).split())
    escaped = "".join(
        _MD_ENTITIES.get(ch) or ("\\" + ch if ch in _MD_INLINE else ch) for ch in flat
    )
    # A digit run before "." or ")" is kept and the punctuation after it escaped.
    match = _MD_LINE_START.match(escaped)
    if match is None:
        return escaped
    marker = match.group(1)
    if marker[0].isdigit():
        return marker + "\\" + escaped[len(marker) :]
    return "\\" + escaped


def markdown_quote(value: object) -> MarkdownSafe:
    """``value`` as a Markdown block quote, one quoted line per line written."""
    lines = [markdown_text(line) for line in str(value).splitlines() if line.strip()]
    return MarkdownSafe("\n".join("> " + line for line in lines) or "> ")


def markdown_finalize(value: Any) -> str:
    """Jinja's ``finalize`` for Markdown templates: every ``{{ ... }}`` is text unless marked."""
    return "" if value is None else markdown_text(value)


# Spreadsheets (CSV, XLSX) ------------------------------------------------------------

# What makes Excel, LibreOffice or Google Sheets run a cell (OWASP's list), with the
# full-width forms some locales' spreadsheets accept as the same signs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_FORMULA_FIRST = frozenset(_FORMULA_STARTS)


def spreadsheet_cell(value: Any) -> Any:
    """A cell value no spreadsheet runs: text that could be a formula gets a leading quote.

    Spaces before the sign do not help, since some spreadsheets trim them on import.
    Numbers, booleans and dates are written as they are.
    """
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first in _FORMULA_FIRST or (first.isspace() and value.lstrip()[:1] in _FORMULA_FIRST):
        return "'" + value
    return value


# Slack mrkdwn -------------------------------------------------------------------------


def slack_mrkdwn(value: object) -> str:
    """Text for a Slack mrkdwn field: ``<`` ``>`` ``&`` escaped as Slack asks.

    Without ``<`` nothing can become ``<!channel>``, ``<@U…>`` or ``<url|label>``; the
    block builders also mark every mrkdwn field ``verbatim``, so Slack does not turn
    bare URLs or channel names into links either.
    """
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Word ---------------------------------------------------------------------------------


def docx_text(value: object) -> str:
    """Text for a Word document: characters XML cannot hold are dropped."""
    return _CONTROL.sub("", str(value))
