"""Slack blocks as a staff member reading each language sees them: no slug, code or English."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bots.slack.blocks import inputs_count, moderation_message, tag_modal
from intake_api.i18n import gettext, language_label
from intake_api.moderation import InputView
from intake_api.policies.disclosure import Reason, Shown

LRI, PDI = "\u2066", "\u2069"


def _view(**changes: object) -> InputView:
    view = InputView(
        id=1,
        receipt="IN-0001",
        review_slug="escwa",
        channel="web",
        locale="fr",
        stakeholder_group="migrant",
        country="JO",
        theme=None,
        objectives=[5, 7],
        text="Des mots.",
        consent_quote=True,
        status="new",
        created_at=datetime(2026, 1, 2, tzinfo=UTC),
        slack_channel=None,
        slack_ts=None,
        suggestions=((6, 0.9, ("travail", "salaire")),),
    )
    return InputView(**{**view.__dict__, **changes})  # type: ignore[arg-type]


def _facts(blocks: list[dict[str, object]]) -> list[str]:
    section = next(b for b in blocks if b["type"] == "section" and "fields" in b)
    return [field["text"] for field in section["fields"]]  # type: ignore[index, union-attr]


def test_a_french_moderation_message_names_the_language_and_the_commission():
    facts = _facts(moderation_message(_view(), "fr"))
    channel = next(f for f in facts if f.startswith(f"*{gettext('fr', 'Channel')}*"))
    assert channel.endswith(f"{gettext('fr', 'Web form')} · {language_label('fr', 'fr')}")
    assert "français" in channel.lower() and not channel.endswith(" fr")
    review = next(f for f in facts if f.startswith(f"*{gettext('fr', 'Regional review')}*"))
    assert review == f"*{gettext('fr', 'Regional review')}*\u00a0: CESAO"  # French colon


def test_an_arabic_moderation_message():
    blocks = moderation_message(_view(locale="ru"), "ar")
    text = json.dumps(blocks, ensure_ascii=False)
    assert "الإسكوا" in text and "ESCWA" not in text and "escwa" not in text
    assert "الروسية" in text  # Russian, named in Arabic
    assert "5، 7" in text  # objective numbers with the Arabic comma


def test_a_chinese_moderation_message_uses_the_full_width_colon():
    facts = _facts(moderation_message(_view(), "zh"))
    assert facts[0] == f"*{gettext('zh', 'Receipt')}*：`IN-0001`"
    assert any(f.endswith("：5、7") for f in facts)


def test_suggestion_triggers_are_a_list_in_the_readers_language():
    modal = tag_modal(_view(), "zh")
    (option,) = modal["blocks"][1]["element"]["options"]
    assert option["description"]["text"] == "travail、salaire"


@pytest.mark.parametrize(
    ("locale", "shown", "expected"),
    [
        ("ru", Shown("3", 3, Reason.SHOWN), "3 сообщения"),
        ("ru", Shown("21", 21, Reason.SHOWN), "21 сообщение"),
        ("ru", Shown("<5", None, Reason.SMALL), "<5 сообщений"),  # "fewer than five" takes 5's form
        ("fr", Shown("1", 1, Reason.SHOWN), "1 contribution"),
        ("es", Shown("12", 12, Reason.SHOWN), "12 aportaciones"),
        ("ar", Shown("<5", None, Reason.SMALL), f"{LRI}<5{PDI} مساهمات"),  # "<5", never "5>"
        ("ar", Shown("2", 2, Reason.SHOWN), "مساهمتان"),
        ("zh", Shown("40", 40, Reason.SHOWN), "40 条意见"),
    ],
)
def test_counted_inputs_take_the_plural_form_of_their_number(locale, shown, expected):
    assert inputs_count(shown, locale) == expected
