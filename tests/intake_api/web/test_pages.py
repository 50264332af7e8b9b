"""The language choice and each locale's landing page."""

from __future__ import annotations

import pytest
from babel.dates import format_date

from intake_api.i18n import LOCALES, gettext
from models.reference import REGIONAL_REVIEWS


def test_root_offers_every_language_in_its_own_name(client):
    page = client.get("/").get_data(as_text=True)
    for name in ("English", "Français", "Español", "العربية", "Русский", "中文", "Português"):
        assert name in page


def test_root_lists_the_browsers_language_first(client):
    page = client.get("/", headers={"Accept-Language": "ar, en;q=0.5"}).get_data(as_text=True)
    assert page.index('href="/ar/"') < page.index('href="/en/"')
    assert '<html lang="ar" dir="rtl">' in page


@pytest.mark.parametrize("locale", LOCALES)
def test_landing_page_lists_the_five_reviews_in_the_locale(client, locale):
    response = client.get(f"/{locale}/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}">' in page
    for review in REGIONAL_REVIEWS:
        assert f'id="review-{review.slug}"' in page
        assert gettext(locale, review.region) in page
        assert format_date(review.consultation_on, "long", locale=locale) in page
    assert gettext(locale, "The five regional reviews") in page


def test_unknown_locale_is_404(client):
    assert client.get("/xx/").status_code == 404
