"""Which language an input is written in, whatever the interface language was.

Restricted to the languages likely in the regional reviews: a smaller set is
both faster and more accurate on short texts. Amharic, Tigrinya and Hausa are
not in lingua's models; texts in them come out as "und" or as a near language
with low confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# ISO 639-1 code -> lingua language: the 7 locales, then the regions' other common languages.
SUPPORTED: dict[str, Language] = {
    "en": Language.ENGLISH,
    "fr": Language.FRENCH,
    "es": Language.SPANISH,
    "ar": Language.ARABIC,
    "ru": Language.RUSSIAN,
    "zh": Language.CHINESE,
    "pt": Language.PORTUGUESE,
    "sw": Language.SWAHILI,
    "hi": Language.HINDI,
    "bn": Language.BENGALI,
    "ur": Language.URDU,
    "tl": Language.TAGALOG,
    "id": Language.INDONESIAN,
    "tr": Language.TURKISH,
    "fa": Language.PERSIAN,
    "so": Language.SOMALI,
    "uk": Language.UKRAINIAN,
}
_CODE_OF = {language: code for code, language in SUPPORTED.items()}
UNDETERMINED = "und"
MIN_CONFIDENCE = 0.5
_SAMPLE = 400  # characters read: plenty to tell the language, and bounded time on long inputs


@dataclass(frozen=True)
class Detected:
    code: str  # ISO 639-1, or "und"
    confidence: float


# Below this length lingua needs its 1- to 5-gram models; above it, trigrams alone
# (its low accuracy mode) decide as well, in about half the time.
SHORT_TEXT = 120


@cache
def _detector(short: bool) -> LanguageDetector:
    builder = LanguageDetectorBuilder.from_languages(*SUPPORTED.values())
    return builder.build() if short else builder.with_low_accuracy_mode().build()


def detect(text: str) -> Detected:
    """The most likely language and lingua's confidence in it; "und" below 0.5."""
    sample = text[:_SAMPLE]
    if not any(ch.isalpha() for ch in sample):
        return Detected(UNDETERMINED, 0.0)
    best = _detector(len(sample) < SHORT_TEXT).compute_language_confidence_values(sample)[0]
    confidence = round(float(best.value), 3)
    if confidence < MIN_CONFIDENCE:
        return Detected(UNDETERMINED, confidence)
    return Detected(_CODE_OF[best.language], confidence)
