"""Charts for reports: inline SVG for HTML (the browser shapes every script), PNG for DOCX.

A chart is drawn from the same ``Shown`` counts as the table beside it, and only from
their ``number``: a hidden count (``number`` is None) gets no bar, only its symbol
("<5", "x") where the number would be, so no bar's length can give a count away.
Every label in the SVG goes through the HTML encoding (``policies.encoding.html_text``).
"""

from __future__ import annotations

import io
from typing import Any

from intake_api.policies.disclosure import Shown
from intake_api.policies.encoding import html_text as escape

BAR_COLOUR = "#00528a"
LABEL_CHARS = 40  # longer names are cut in the chart; the table next to it has them whole
BAR_WIDTH = 300  # the longest bar, in SVG units


def bar_width(shown: Shown, biggest: int) -> int | None:
    """A bar's length: None (no bar) for a hidden count, 0 for zero, at least 1 otherwise."""
    if shown.number is None:
        return None
    return max(1, round(BAR_WIDTH * shown.number / biggest)) if shown.number else 0


def bar_chart_svg(pairs: list[tuple[str, Shown]], *, title: str, rtl: bool = False) -> str:
    """A horizontal bar chart with its numbers written out, readable without colour."""
    if not pairs:
        return ""
    label_width, row = 300, 24
    total_width = label_width + BAR_WIDTH + 70
    biggest = max((s.number or 0 for _, s in pairs), default=0) or 1
    height = row * len(pairs) + 10
    rows = []
    for index, (full_label, shown) in enumerate(pairs):
        label = (
            full_label if len(full_label) <= LABEL_CHARS else full_label[: LABEL_CHARS - 1] + "…"
        )
        y = index * row + 5
        width = bar_width(shown, biggest)
        if rtl:  # labels on the right, bars growing leftwards
            label_x, bar_x = total_width - 8, total_width - label_width - (width or 0)
            number_x, number_anchor = bar_x - 6, "end"
            # Read right to left from its right edge, so "1. …" has its number on the right.
            label_text = 'direction="rtl" text-anchor="start"'
        else:
            label_x, bar_x = label_width - 8, label_width
            number_x, number_anchor = bar_x + (width or 0) + 6, "start"
            label_text = 'text-anchor="end"'
        bar = (
            ""
            if width is None
            else f'<rect x="{bar_x}" y="{y + 4}" width="{width}" height="16" fill="{BAR_COLOUR}"></rect>'
        )
        rows.append(
            f'<text x="{label_x}" y="{y + 16}" {label_text} font-size="13">{escape(label)}</text>{bar}'
            # A count is read left to right in every language: "<5", never "5>".
            f'<text x="{number_x}" y="{y + 16}" text-anchor="{number_anchor}" direction="ltr" '
            f'unicode-bidi="isolate" font-size="13">{escape(shown.text)}</text>'
        )
    # Geometry is laid out here, so the SVG itself stays left to right; each label says its
    # own direction.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" direction="ltr" '
        f'viewBox="0 0 {total_width} {height}" width="100%" style="max-width:{total_width}px;direction:ltr">'
        f"<title>{escape(title)}</title>{''.join(rows)}</svg>"
    )


def bar_chart_figure(pairs: list[tuple[str, Shown]], *, rtl: bool = False) -> Any:
    """The chart as a matplotlib figure: a hidden count has a bar of length 0 and its symbol
    as the bar's label. Codes and numbers only, which every font has: the title is the
    heading the document puts above it (matplotlib does not shape Arabic). Right to left,
    it is mirrored as the document is: codes on the right, bars growing leftwards."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6.5, max(1.5, 0.3 * len(pairs) + 0.8)), dpi=150)
    labels = [label for label, _ in pairs][::-1]
    shown = [s for _, s in pairs][::-1]
    bars = axes.barh(labels, [s.number or 0 for s in shown], color=BAR_COLOUR)
    axes.bar_label(bars, labels=[s.text for s in shown], padding=3, fontsize=8)
    if rtl:
        axes.invert_xaxis()
        axes.yaxis.tick_right()
        axes.spines[["top", "left"]].set_visible(False)
    else:
        axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    return figure


def bar_chart_png(pairs: list[tuple[str, Shown]], *, rtl: bool = False) -> bytes:
    """The same chart as a PNG (for Word), under the heading that names it."""
    figure = bar_chart_figure(pairs, rtl=rtl)
    from matplotlib import pyplot

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()
