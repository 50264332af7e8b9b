"""Arabic and Chinese pages are drawn with fonts that have their letters, not empty boxes.

A screenshot can look right on the machine that made it and show boxes on a server
without the fonts; Chromium says which installed font drew each node's text
(``CSS.getPlatformFontsForNode``), so the test asks it instead of judging pixels.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

# The families site.css names first for each script (Debian's fonts-noto-core, fonts-noto-cjk).
SCRIPT_FONTS = {
    "ar": ("Noto Naskh Arabic", "Noto Sans Arabic"),
    "zh": ("Noto Sans CJK SC", "Noto Sans SC", "Noto Sans CJK"),
}


def _fonts_drawing(page, selector: str) -> dict[str, int]:
    """Family name -> glyphs drawn, for the text of the first node matching ``selector``."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"]: font["glyphCount"] for font in used}


@pytest.mark.parametrize("locale", ["ar", "zh"])
@pytest.mark.parametrize("path", ["/{}/inputs/new", "/{}/"])
def test_pages_are_drawn_in_a_font_of_their_script(live_server, page, locale, path):
    page.goto(live_server.url + path.format(locale))
    drawn = _fonts_drawing(page, "h1")
    script_fonts = SCRIPT_FONTS[locale]
    assert any(name.startswith(script_fonts) for name in drawn), (
        f"{locale} heading drawn with {drawn}; install fonts-noto-core fonts-noto-cjk"
    )
