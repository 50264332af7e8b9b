"""The input form follows the questionnaire's split: the input and what it needs first,
then "Tell us more about you (optional)"; contributors read plain words, official titles one tap away."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

import pytest
from sqlmodel import Session, select

from intake_api.i18n import LOCALES, gettext
from intake_api.questionnaire import INPUT, OBJECTIVE_CHOICES, THEME_CHOICES, Part, Questionnaire
from intake_api.web import forms
from intake_api.web.forms import OFFICIAL_TITLE, PROFILE_TITLE, PROFILE_WHY
from models import Submission
from tests.factories import input_answers
from tests.web_helpers import submit_form

PROFILE_SECTION = '<section class="profile"'


def _field(page: str, key: str) -> int:
    """Where a question's first control is on the page."""
    found = re.search(rf'<(?:input|select|textarea)[^>]*\sname="{key}"', page)
    assert found, key
    return found.start()


@pytest.mark.parametrize("locale", LOCALES)
def test_core_questions_come_before_the_profile_section_and_profile_ones_inside_it(client, locale):
    page = unescape(client.get(f"/{locale}/inputs/new").get_data(as_text=True))
    start = page.index(PROFILE_SECTION)
    section = page[start : page.rindex("</section>", start, page.index("</form>")) + 1]
    assert gettext(locale, PROFILE_TITLE) in section and gettext(locale, PROFILE_WHY) in section
    core, profile = INPUT.part(Part.CORE), INPUT.part(Part.PROFILE)
    assert core and profile
    for question in core:
        assert _field(page, question.key) < start, question.key
    for question in profile:
        assert start < _field(page, question.key) < page.index("</form>"), question.key
        assert f'name="{question.key}"' in section, question.key
    # The order within each part is the questionnaire's.
    for part in (core, profile):
        positions = [_field(page, q.key) for q in part]
        assert positions == sorted(positions)


def test_the_profile_section_comes_from_the_questions_parts(client, monkeypatch):
    """Move a question to the other part and the form follows: no field is placed by name."""
    moved = Questionnaire(
        "input",
        tuple(replace(q, part=Part.CORE) if q.key == "gender" else q for q in INPUT.questions),
    )
    original = forms.form_of

    def with_gender_in_core(kind):  # type: ignore[no-untyped-def]
        view = original(kind)
        return forms.FormView(view.kind, moved, view.page) if kind.name == "input" else view

    monkeypatch.setattr(forms, "form_of", with_gender_in_core)
    page = client.get("/en/inputs/new").get_data(as_text=True)
    assert _field(page, "gender") < page.index(PROFILE_SECTION) < _field(page, "age_group")


def test_other_forms_have_no_profile_section(client):
    for path in ("/en/pledges/new", "/en/practices/new", "/en/reviews/eca/register"):
        page = client.get(path).get_data(as_text=True)
        assert PROFILE_SECTION not in page, path
        assert gettext("en", OFFICIAL_TITLE) not in page, path


@pytest.mark.parametrize("locale", ["en", "ar", "fr"])
def test_contributors_read_plain_labels_with_the_official_title_one_tap_away(client, locale):
    page = unescape(client.get(f"/{locale}/inputs/new").get_data(as_text=True))
    for key in ("text", "theme", "objectives"):
        question = INPUT[key]
        assert question.plain
        # The question's label or legend: "<label ...>Label <span class="required">" or "<legend>Label </legend>".
        assert f">{gettext(locale, question.plain)} " in page, key
        assert f">{gettext(locale, question.label)} " not in page, key
    for choice in THEME_CHOICES:
        assert choice.plain
        shown = re.search(
            rf'value="{choice.value}"[^>]*>\s*<label[^>]*>([^<]*)</label>\s*'
            rf'<details class="official"><summary>([^<]*)<span class="visually-hidden">[^<]*</span>'
            rf"</summary><p>([^<]*)</p></details>",
            page,
        )
        assert shown, choice.value
        assert shown.group(1) == gettext(locale, choice.plain)
        assert shown.group(2) == gettext(locale, OFFICIAL_TITLE)
        assert shown.group(3) == gettext(locale, choice.label)
    for choice in OBJECTIVE_CHOICES:
        assert choice.plain and choice.detail
        shown = re.search(
            rf'name="objectives" value="{choice.value}"[^>]*>\s*<label[^>]*>.*?<strong>([^<]*)</strong></label>\s*'
            rf'<details class="official"><summary>[^<]*<span class="visually-hidden">[^<]*</span>'
            rf"</summary><p>([^<]*)</p></details>",
            page,
        )
        assert shown, choice.value
        assert shown.group(1) == gettext(locale, choice.plain)
        assert shown.group(2) == gettext(locale, choice.detail)


def test_the_official_title_is_outside_the_label(client):
    """A tap on the disclosure opens it; it does not tick the choice (no interactive content in a label)."""
    page = client.get("/en/inputs/new").get_data(as_text=True)
    for label in re.findall(r"<label[^>]*>.*?</label>", page, flags=re.S):
        assert "<details" not in label and "<summary" not in label


def test_the_pledge_form_keeps_the_official_objective_titles(client):
    page = unescape(client.get("/en/pledges/new").get_data(as_text=True))
    for choice in OBJECTIVE_CHOICES:
        assert f"<strong>{gettext('en', choice.label)}</strong>" in page
        assert gettext("en", choice.plain or "") not in page


def test_only_the_core_fields_give_a_receipt(client, engine):
    core_only = {
        "text": "The bus to the job centre stops before the border camp opens.",
        "review": "escwa",
        "consent_store": "on",
    }
    response = submit_form(client, "/en/inputs/new", core_only)
    assert response.status_code == 303, response.get_data(as_text=True)
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.stakeholder_group is None and stored.theme is None and stored.age_group is None


def test_contact_without_age_group_is_refused_in_the_language_and_keeps_every_answer(
    client, engine
):
    typed = input_answers("fr", age_group="", contact_email="rana@example.org", gender="woman")
    response = submit_form(client, "/fr/inputs/new", typed)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert (
        gettext(
            "fr",
            "We keep an e-mail address only when we know your age group. Please choose your age group, or leave this field empty.",
        )
        in page
    )
    assert 'href="#field-contact_email"' in page
    assert 'value="rana@example.org"' in page
    assert re.search(r'value="woman" id="[^"]+"\s+checked', page)
    assert re.search(r'value="priorities_gaps" id="[^"]+"\s+checked', page)
    with Session(engine) as session:
        assert session.exec(select(Submission)).first() is None
