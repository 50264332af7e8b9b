"""Find a country from what a person types, in any of the seven languages or as an ISO code."""

from __future__ import annotations

import unicodedata
from functools import cache

from rapidfuzz import fuzz, process

from intake_api.i18n import LOCALES
from models.reference import COUNTRY_CODES, country_name

MIN_SCORE = 75


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _names() -> tuple[list[str], list[str]]:
    """Every country name in every locale, folded, with the code each one belongs to."""
    names: list[str] = []
    codes: list[str] = []
    for code in sorted(COUNTRY_CODES):
        for locale in LOCALES:
            names.append(_fold(country_name(code, locale)))
            codes.append(code)
    return names, codes


def match_country(typed: str, *, limit: int = 3) -> list[str]:
    """The likeliest ISO codes for ``typed``, best first; empty when nothing is close."""
    folded = _fold(typed)
    if not folded:
        return []
    if len(folded) == 2 and folded.upper() in COUNTRY_CODES:
        return [folded.upper()]
    names, codes = _names()
    found: list[str] = []
    for _name, _score, index in process.extract(
        folded, names, scorer=fuzz.WRatio, limit=limit * 8, score_cutoff=MIN_SCORE
    ):
        if codes[index] not in found:
            found.append(codes[index])
        if len(found) == limit:
            break
    return found
