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

STEMMERS = {"en": "english", "fr": "french", "es": "spanish", "ar": "arabic", "ru": "russian",
            "pt": "portuguese"}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None})
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@cache
def _stemmer(locale: str) -> Stemmer.Stemmer | None:
    algorithm = STEMMERS.get(locale)
    return Stemmer.Stemmer(algorithm) if algorithm else None


def fold(text: str) -> str:
    """Lower case, no accents or Arabic diacritics, one form of alef, ya and ta marbuta, ё as е."""
    text = text.casefold().translate(_ARABIC_FOLD).replace("ё", "е")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def stems(text: str, locale: str) -> list[str]:
    """The stemmed words of ``text`` in ``locale``; for Chinese, its Han characters one by one."""
    if locale == "zh":
        return _HAN.findall(text)
    stemmer = _stemmer(locale)
    found = words(text)
    return stemmer.stemWords(found) if stemmer else found


def is_han(text: str) -> bool:
    return bool(_HAN.search(text))
