"""Answers as a channel would hand them to the intake service."""

from __future__ import annotations

from typing import Any

_TEXTS = {
    "en": "Young migrants need clear information about regular pathways before they leave.",
    "fr": "Les jeunes migrants ont besoin d'informations claires sur les voies régulières.",
    "es": "Las personas migrantes jóvenes necesitan información clara sobre las vías regulares.",
    "ar": "يحتاج المهاجرون الشباب إلى معلومات واضحة عن مسارات الهجرة النظامية قبل السفر.",
    "ru": "Молодым мигрантам нужна ясная информация о легальных путях миграции до отъезда.",
    "zh": "年轻移民在出发前需要关于正常移民途径的清晰信息，这一点非常重要。",
    "pt": "Os jovens migrantes precisam de informação clara sobre as vias regulares de migração.",
}


def input_answers(locale: str = "en", **overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "review": "escwa",
        "stakeholder_group": "youth",
        "country": "JO",
        "age_group": "18_24",
        "gender": "woman",
        "theme": "priorities_gaps",
        "objectives": ["3", "5"],
        "text": _TEXTS[locale],
        "contact_email": "",
        "consent_store": "on",
        "consent_quote": "on",
    }
    answers.update(overrides)
    return answers


def text_for(locale: str) -> str:
    return _TEXTS[locale]
