"""Words as a matcher should see them: folded, stemmed, per language.

"Recruitment fees", "recruiting fee" and "RECRUITMENT FEES" must meet the same
lexicon entry, and so must "détenus" and "détention" in French or "مهاجرين" and
"المهاجرون" in Arabic: Snowball stemmers where they exist (all our locales but
Chinese), and for Chinese the characters themselves.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import Stemmer

STEMMERS = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ar": "arabic",
    "ru": "russian",
    "pt": "portuguese",
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_ARABIC_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None}
)
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@cache
def _stemmer(locale: str) -> Stemmer.Stemmer | None:
    algorithm = STEMMERS.get(locale)
    return Stemmer.Stemmer(algorithm) if algorithm else None


def fold(text: str) -> str:
    """Lower case, no accents or Arabic diacritics, one form of alef, ya and ta marbuta, ё as е."""
    if text.isascii():  # nothing to decompose: most English inputs, read at every intake
        return text.lower()
    text = text.casefold().translate(_ARABIC_FOLD).replace("ё", "е")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def stems(text: str, locale: str) -> list[str]:
    """The stemmed words of ``text`` in ``locale``; for Chinese, its Han characters one by one.

    The stemmer reads the words as written (it knows French accents and Arabic
    prefixes such as و and ال); its stems are folded afterwards.
    """
    if locale == "zh":
        return _HAN.findall(text)
    stemmer = _stemmer(locale)
    if stemmer is None:
        return words(text)
    written = _WORD.findall(_ARABIC_MARKS.sub("", text.casefold()))
    return [fold(stem) for stem in stemmer.stemWords(written)]
