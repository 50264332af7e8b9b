"""The capture modal follows the questionnaire's split, like the web form: the core blocks,
then a header "About the person (optional)" and the profile blocks; staff read official labels."""

from __future__ import annotations

import pytest

from bots.slack.blocks import PROFILE_BLOCK, PROFILE_HEADER, capture_modal
from intake_api.i18n import LOCALES, gettext
from intake_api.questionnaire import STAFF_INPUT, Part

REVIEWS = ["escwa", "eca"]


def _modal(locale: str) -> dict:  # type: ignore[type-arg]
    return capture_modal(locale, metadata={}, reviews=REVIEWS)


@pytest.mark.parametrize("locale", LOCALES)
def test_core_blocks_then_the_header_then_every_profile_block(locale):
    blocks = _modal(locale)["blocks"]
    ids = [b["block_id"] for b in blocks]
    header = ids.index(PROFILE_BLOCK)
    assert blocks[header]["type"] == "header"
    assert blocks[header]["text"]["text"] == gettext(locale, PROFILE_HEADER)
    core = [q.key for q in STAFF_INPUT.part(Part.CORE)]
    profile = [q.key for q in STAFF_INPUT.part(Part.PROFILE)]
    assert core and profile
    assert ids[:header] == core
    assert ids[header + 1 :] == profile
    assert all(not b["optional"] for b in blocks if b["block_id"] in ("source", "review", "text"))
    assert all(b["optional"] for b in blocks[header + 1 :])


def test_staff_read_the_official_labels_not_the_plain_ones():
    blocks = {b["block_id"]: b for b in _modal("en")["blocks"]}
    for key in ("text", "theme", "objectives"):
        question = STAFF_INPUT[key]
        assert blocks[key]["label"]["text"] == gettext("en", question.label)
    theme_options = [o["text"]["text"] for o in blocks["theme"]["element"]["options"]]
    assert theme_options == [
        _option_text(gettext("en", c.label)) for c in STAFF_INPUT["theme"].choices
    ]
    objective_options = [o["text"]["text"] for o in blocks["objectives"]["element"]["options"]]
    assert objective_options == [
        _option_text(f"{c.value}. {gettext('en', c.label)}")
        for c in STAFF_INPUT["objectives"].choices
    ]
    plain = {gettext("en", c.plain) for c in STAFF_INPUT["objectives"].choices if c.plain}
    assert plain and not plain & set(objective_options)


def _option_text(text: str, limit: int = 75) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def test_the_header_has_no_answer_in_a_submitted_view():
    """Only input blocks carry state: the header adds nothing to the answers."""
    from bots.slack.blocks import answers_from_view

    view = {"state": {"values": {"text": {"text": {"type": "plain_text_input", "value": "x"}}}}}
    assert answers_from_view(view) == {"text": "x"}
