"""Language detection on short texts, in every language it is restricted to."""

from __future__ import annotations

import pytest

from intake_api.language.detection import SUPPORTED, detect

SHORT = {
    "en": "We need safe and legal ways to work abroad.",
    "fr": "Nous avons besoin de voies légales pour travailler à l'étranger.",
    "es": "Necesitamos vías legales y seguras para trabajar en el extranjero.",
    "ar": "نحتاج إلى طرق آمنة وقانونية للعمل في الخارج.",
    "ru": "Нам нужны безопасные и законные способы работать за границей.",
    "zh": "我们需要安全合法的出国工作途径。",
    "pt": "Precisamos de caminhos seguros e legais para trabalhar no estrangeiro.",
    "sw": "Tunahitaji njia salama na halali za kufanya kazi nje ya nchi.",
    "hi": "हमें विदेश में काम करने के सुरक्षित और कानूनी रास्ते चाहिए।",
    "bn": "বিদেশে কাজ করার জন্য আমাদের নিরাপদ ও বৈধ পথ দরকার।",
    "ur": "ہمیں بیرون ملک کام کرنے کے محفوظ اور قانونی راستے چاہئیں۔",
    "tl": "Kailangan namin ng ligtas at legal na paraan para magtrabaho sa ibang bansa.",
    "id": "Kami membutuhkan jalur yang aman dan legal untuk bekerja di luar negeri.",
    "tr": "Yurt dışında çalışmak için güvenli ve yasal yollara ihtiyacımız var.",
    "fa": "ما به راه‌های امن و قانونی برای کار در خارج از کشور نیاز داریم.",
    "so": "Waxaan u baahanahay waddooyin ammaan ah oo sharci ah si aan dibadda uga shaqeyno.",
    "uk": "Нам потрібні безпечні та законні способи працювати за кордоном.",
}


def test_every_supported_language_has_a_sample():
    assert set(SHORT) == set(SUPPORTED)


@pytest.mark.parametrize(("code", "text"), SHORT.items())
def test_short_texts_are_detected(code, text):
    found = detect(text)
    assert found.code == code and found.confidence >= 0.5


@pytest.mark.parametrize("text", ["", "12345 678", "!!! ???", "+962 7 9555 0101"])
def test_no_letters_is_undetermined(text):
    assert detect(text).code == "und"
