"""The Pledging Dashboard's map: pledging countries shaded, named in the reader's language,
with the table's counts; nothing unpublished on it, and nothing in it but drawing and text."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html import unescape

import pytest

from intake_api.i18n import gettext, labelled
from intake_api.reports import world_map
from intake_api.reports.render import Labels
from models.db import write_session
from models.pledge import Pledge
from models.reference import COUNTRY_CODES
from tests.intake_api.hub.test_encoding import check_svg
from tests.intake_api.hub.test_pages import publish_pledge, text

SVG = "{http://www.w3.org/2000/svg}"
MAP_BUDGET = 400_000  # bytes, uncompressed: the whole map with every country


def _map(client, url: str) -> ET.Element:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    check_svg(body)
    return ET.fromstring(body)


def _shaded(image: ET.Element) -> dict[str, tuple[int, str]]:
    """code -> (count, title) of each shaded country."""
    return {
        g.attrib["data-country"]: (int(g.attrib["data-count"]), g.findtext(f"{SVG}title") or "")
        for g in image.iter(f"{SVG}g")
        if "data-country" in g.attrib
    }


def _country_table(page: str, caption: str) -> dict[str, str]:
    """The "Pledges by country" table beside the chart: name -> count as shown."""
    section = page.split(f"<h3>{caption}</h3>", 1)[1].split("</section>", 1)[0]
    rows = re.findall(
        r'<th scope="row">(.*?)</th><td class="n"><bdi dir="ltr">(.*?)</bdi>', section
    )
    return {unescape(name): unescape(n) for name, n in rows}


@pytest.mark.parametrize("locale", ["en", "ar", "zh"])
def test_the_map_shades_pledging_countries_named_in_the_readers_language(client, runtime, locale):
    for marker, country in (("jo1", "JO"), ("jo2", "JO"), ("lb1", "LB"), ("fr1", "FR")):
        publish_pledge(runtime, f"map{marker}", country=country)
    page = text(client.get(f"/{locale}/pledges"))
    labels = Labels(locale)
    shaded = _shaded(_map(client, f"/{locale}/pledges/map.svg"))
    assert set(shaded) == {"JO", "LB", "FR"}
    table = _country_table(page, gettext(locale, "Pledges by country"))
    for code, (count, title) in shaded.items():
        name = labels.country(code)
        assert title.startswith(name), (title, name)
        assert table[name] == str(count)  # the table beside it has the same number
    assert {name: int(n) for name, n in table.items()} == {
        labels.country(code): count for code, (count, _title) in shaded.items()
    }
    assert shaded["JO"][0] == 2
    if locale == "ar":
        assert "الأردن" in shaded["JO"][1]
    if locale == "zh":
        assert "约旦" in shaded["JO"][1]


def test_a_country_without_a_published_pledge_is_not_shaded(client, runtime):
    publish_pledge(runtime, "mapjordan", country="JO")
    image = _map(client, "/en/pledges/map.svg")
    assert set(_shaded(image)) == {"JO"}
    grey = [p for p in image.iter(f"{SVG}path") if p.get("fill") == world_map.NEUTRAL]
    assert len(grey) == 1 and len(grey[0].attrib["d"]) > 100_000  # the rest of the world


def test_unpublished_withdrawn_and_unconsented_pledges_are_not_on_the_map(client, runtime, planted):
    # Each hidden pledge in a country of its own: none of them may be shaded.
    hidden_countries = ["BR", "NG", "IN", "CA", "AU"]
    with write_session(runtime.engine) as session:
        for item_id, country in zip(planted.hidden_ids["pledge"], hidden_countries, strict=False):
            item = session.get_one(Pledge, item_id)
            item.country = country
            session.add(item)
    shaded = _shaded(_map(client, "/en/pledges/map.svg"))
    assert {code: count for code, (count, _t) in shaded.items()} == {"JO": 1}


def test_the_map_follows_the_dashboards_filters(client, runtime):
    publish_pledge(runtime, "mapescwa", country="JO", review="escwa")
    publish_pledge(runtime, "mapece", country="FR", review="unece")
    page = text(client.get("/en/pledges?review=unece"))
    src = re.search(r'<img src="([^"]+)" alt="([^"]+)"', page)
    assert src, "the dashboard shows the map"
    url, alt = unescape(src.group(1)), unescape(src.group(2))
    assert url == "/en/pledges/map.svg?review=unece"
    assert "Pledges by country" in alt  # the table is the map's accessible equivalent
    assert set(_shaded(_map(client, url))) == {"FR"}
    assert set(_shaded(_map(client, "/en/pledges/map.svg"))) == {"FR", "JO"}


def test_no_map_when_no_pledge_is_published(client, runtime):
    assert "map.svg" not in text(client.get("/en/pledges"))


def test_the_map_is_an_image_with_a_title_a_description_and_a_legend(client, runtime):
    for n in range(3):
        publish_pledge(runtime, f"mapjo{n}x", country="JO")
    publish_pledge(runtime, "maplb", country="LB")
    body = client.get("/ar/pledges/map.svg").get_data(as_text=True)
    image = ET.fromstring(body)
    assert image.get("role") == "img"
    title_id, desc_id = image.get("aria-labelledby"), image.get("aria-describedby")
    assert image.find(f"{SVG}title").get("id") == title_id  # type: ignore[union-attr]
    desc = image.find(f"{SVG}desc")
    assert desc is not None and desc.get("id") == desc_id
    assert gettext("ar", "Pledges by country") in (desc.text or "")
    legend = " ".join(t.text or "" for t in image.iter(f"{SVG}text"))
    # Classes 1 and 2-3, one country each; the numbers kept left to right in right-to-left text.
    assert "\u20662\u2069" in legend and "\u20663\u2069" in legend
    assert all(t.get("direction") == "rtl" for t in image.iter(f"{SVG}text"))
    assert len(body.encode()) < MAP_BUDGET


def test_text_in_the_map_is_escaped():
    hostile = '<script>alert("x")</script> & </title><a href="javascript:x">'
    document = world_map.world_map_svg(
        {"JO": 2, "FR": 1}, locale="en", name=lambda _code: hostile, table=hostile
    )
    check_svg(document)
    image = ET.fromstring(document)
    titles = [g.findtext(f"{SVG}title") for g in image.iter(f"{SVG}g") if g.get("data-country")]
    assert titles == [labelled("en", hostile, "1 pledge"), labelled("en", hostile, "2 pledges")]
    assert hostile in (image.findtext(f"{SVG}desc") or "")


@pytest.mark.parametrize(
    "biggest, expected",
    [
        (1, [(1, 1)]),
        (3, [(1, 1), (2, 3)]),
        (37, [(1, 1), (2, 4), (5, 9), (10, 19), (20, 37)]),
        (300, [(1, 19), (20, 49), (50, 99), (100, 199), (200, 300)]),
    ],
)
def test_count_classes(biggest, expected):
    assert world_map.classes(biggest) == expected
    assert len(world_map._colours(len(expected))) == len(expected)


def test_every_country_we_know_is_drawn_as_an_outline_or_a_marker():
    marker_only, missing = world_map.undrawn(COUNTRY_CODES)
    assert missing == []
    # The file has no outline at all for these: a marker stands for them.
    assert {"BV", "CC", "CX", "HM", "UM"} <= set(marker_only)


def test_the_whole_map_stays_small():
    every = {code: 1 + n % 40 for n, code in enumerate(sorted(COUNTRY_CODES))}
    document = world_map.world_map_svg(every, locale="ru", name=Labels("ru").country, table="x")
    assert len(document.encode()) < MAP_BUDGET
    assert len(_shaded(ET.fromstring(document))) == len(COUNTRY_CODES)


def test_the_shapes_are_read_without_importing_pygal():
    """pygal, once imported, hooks every later import of the process (an ImportWarning each)."""
    script = (
        "import sys; from intake_api.reports.world_map import shapes; "
        "assert shapes().outlines['JO']; assert 'pygal' not in sys.modules, 'pygal imported'"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", script], check=True, timeout=120)
