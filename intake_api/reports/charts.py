"""Charts for reports: inline SVG for HTML (the browser shapes every script), PNG for DOCX.

Every label in the SVG goes through the HTML encoding (``policies.encoding.html_text``).
"""

from __future__ import annotations

import io

from intake_api.policies.encoding import html_text as escape

BAR_COLOUR = "#00528a"
LABEL_CHARS = 40  # longer names are cut in the chart; the table next to it has them whole


def bar_chart_svg(pairs: list[tuple[str, int]], *, title: str, rtl: bool = False) -> str:
    """A horizontal bar chart with its numbers written out, readable without colour."""
    if not pairs:
        return ""
    label_width, bar_width, row = 300, 300, 24
    total_width = label_width + bar_width + 70
    biggest = max(n for _, n in pairs) or 1
    height = row * len(pairs) + 10
    rows = []
    for index, (full_label, count) in enumerate(pairs):
        label = full_label if len(full_label) <= LABEL_CHARS else full_label[: LABEL_CHARS - 1] + "…"
        y = index * row + 5
        width = max(1, round(bar_width * count / biggest)) if count else 0
        if rtl:  # labels on the right, bars growing leftwards
            label_x, bar_x = total_width - 8, total_width - label_width - width
            number_x, number_anchor = bar_x - 6, "end"
        else:
            label_x, bar_x = label_width - 8, label_width
            number_x, number_anchor = bar_x + width + 6, "start"
        rows.append(
            f'<text x="{label_x}" y="{y + 16}" text-anchor="end" font-size="13">{escape(label)}</text>'
            f'<rect x="{bar_x}" y="{y + 4}" width="{width}" height="16" fill="{BAR_COLOUR}"></rect>'
            f'<text x="{number_x}" y="{y + 16}" text-anchor="{number_anchor}" font-size="13">{count}</text>'
        )
    # Geometry is laid out here, so the SVG itself stays left to right; text still shapes per script.
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" direction="ltr" '
            f'viewBox="0 0 {total_width} {height}" width="100%" style="max-width:{total_width}px;direction:ltr">'
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
