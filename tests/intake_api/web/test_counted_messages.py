"""What a reader sees where a number governs the noun: the form follows the number."""

from __future__ import annotations

from html import unescape

from tests.factories import input_answers
from tests.web_helpers import submit_form


def _page(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def test_a_short_input_in_russian_names_the_limit_in_the_genitive_plural(client):
    response = submit_form(client, "/ru/inputs/new", input_answers("ru", text="Коротко"))
    assert response.status_code == 422
    assert "напишите не менее 10 символов (сейчас: 7)" in _page(response)


def test_a_short_pledge_title_in_russian_and_in_arabic(client):
    pledge = {
        "organisation": "Город",
        "stakeholder_group": "local_authority",
        "title": "Мост",
        "text": "Мы откроем информационные центры для мигрантов до 2027 года.",
        "objectives": ["3"],
        "consent_store": "on",
    }
    russian = _page(submit_form(client, "/ru/pledges/new", pledge))
    assert "не менее 5 символов (сейчас: 4)" in russian
    arabic = _page(submit_form(client, "/ar/pledges/new", pledge))
    assert "يُرجى كتابة 5 أحرف على الأقل" in arabic


def test_hints_count_their_limits(client):
    """Arabic: "5 أهداف" (3 to 10 take the plural), Russian: "не более 5 целей"."""
    assert "يمكن اختيار 5 أهداف كحد أقصى" in _page(client.get("/ar/inputs/new"))
    russian = _page(client.get("/ru/inputs/new"))
    assert "можно выбрать не более 5 целей" in russian
    assert "От 10 до 5000 символов" in russian
    assert "меньше 16 лет" in russian
