"""Charts for reports: inline SVG for HTML (the browser shapes every script), PNG for DOCX."""

from __future__ import annotations

import io
from html import escape

BAR_COLOUR = "#00528a"


def bar_chart_svg(pairs: list[tuple[str, int]], *, title: str, rtl: bool = False) -> str:
    """A horizontal bar chart with its numbers written out, readable without colour."""
    if not pairs:
        return ""
    label_width, bar_width, row = 300, 300, 24
    biggest = max(n for _, n in pairs) or 1
    height = row * len(pairs) + 10
    rows = []
    for index, (label, count) in enumerate(pairs):
        y = index * row + 5
        width = max(1, round(bar_width * count / biggest)) if count else 0
        label_x, anchor = (label_width - 8, "end") if not rtl else (bar_width + 70 + label_width - 8, "end")
        bar_x = label_width if not rtl else bar_width + 70 - width
        number_x = bar_x + width + 6 if not rtl else bar_x - 6
        number_anchor = "start" if not rtl else "end"
        rows.append(
            f'<text x="{label_x}" y="{y + 16}" text-anchor="{anchor}" font-size="13">{escape(label)}</text>'
            f'<rect x="{bar_x}" y="{y + 4}" width="{width}" height="16" fill="{BAR_COLOUR}"></rect>'
            f'<text x="{number_x}" y="{y + 16}" text-anchor="{number_anchor}" font-size="13">{count}</text>'
        )
    total_width = label_width + bar_width + 70
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
            f'viewBox="0 0 {total_width} {height}" width="100%" style="max-width:{total_width}px">'
            f'<title>{escape(title)}</title>{"".join(rows)}</svg>')  # fmt: skip


def bar_chart_png(pairs: list[tuple[str, int]], *, title: str) -> bytes:
    """The same chart as a PNG (for Word); labels are codes and numbers, which every font has."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6.5, max(1.5, 0.3 * len(pairs) + 0.8)), dpi=150)
    labels = [label for label, _ in pairs][::-1]
    values = [count for _, count in pairs][::-1]
    bars = axes.barh(labels, values, color=BAR_COLOUR)
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()
