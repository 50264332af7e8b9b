"""Find and mask personal data in free text before staff, digests, reports or Slack see it.

People write phone numbers, e-mail addresses, passport numbers and street
addresses into their inputs, often to ask for help. What staff read is the text
with typed placeholders (``[phone]``); recall matters more than precision here,
because a missed number can expose a person, while an over-eager mask only hides
a few digits of a policy text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

# Regions whose local number formats are tried for numbers written without a country code:
# the countries most present in the five regional reviews.
PHONE_REGIONS = (
    "JO",
    "LB",
    "EG",
    "MA",
    "TN",
    "SA",
    "AE",
    "QA",
    "IQ",
    "SY",
    "SD",
    "YE",
    "BR",
    "MX",
    "CO",
    "VE",
    "AR",
    "PE",
    "CL",
    "EC",
    "GT",
    "HT",
    "RU",
    "KZ",
    "UZ",
    "KG",
    "TJ",
    "UA",
    "CN",
    "PH",
    "ID",
    "IN",
    "BD",
    "NP",
    "PK",
    "LK",
    "TH",
    "MY",
    "VN",
    "FR",
    "ES",
    "PT",
    "IT",
    "DE",
    "GB",
    "US",
    "KE",
    "NG",
    "ET",
    "SN",
    "ZA",
    "GH",
    "MZ",
    "AO",
)

PLACEHOLDERS = {
    kind: f"[{kind}]" for kind in ("email", "phone", "id", "iban", "url", "handle", "address")
}


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    r"|(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9-]+\.)*(?:facebook|fb|instagram|t|twitter|x|tiktok|linkedin|vk|ok|wa|wechat|weibo)\.(?:com|me|ru|cn)/[^\s<>\"')\],;]+",
    re.IGNORECASE,
)
_PERSONAL_HOSTS = re.compile(
    r"(facebook|fb|instagram|t\.me|telegram|twitter|x\.com|tiktok|linkedin|vk\.com|ok\.ru|wa\.me|disk\.yandex|"
    r"whatsapp|drive\.google|docs\.google|dropbox|onedrive|youtube\.com/@|weibo|snapchat)",
    re.IGNORECASE,
)
# Latin-letter boundaries only: in Chinese or Arabic text a handle or number may touch a word.
_HANDLE = re.compile(r"(?<![A-Za-z0-9_.@/])@[A-Za-z0-9_]{3,32}\b")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
# Latin letters and digits only around a number: in Chinese or Arabic text it may touch a word.
_PHONE_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9_/.,])(?:\+|00)?\(?\d[\d ()\-.]{6,}\d(?![A-Za-z0-9_/%])"
)
_ID_CUE = re.compile(
    r"(passport|passeport|pasaporte|passaporte|паспорт\w*|جواز(?: السفر)?|护照|身份证|"
    r"\bID\b|\bDNI\b|\bNIE\b|\bCPF\b|\bCURP\b|\bRUT\b|\bCIN\b|\bNIN\b|iqama|إقامة|هوية|بطاقة|"
    r"удостоверени\w*|вид на жительство|патент\w*|visa|visado|titre de séjour|permis|cédula|carte d'identité|"
    r"residence permit|national id|identity card|签证|居留证|居住证|居留许可|protocolo|protocole|dossier|expediente|"
    r"case number|file number|refugee|réfugié|refugiado|ملف|لاجئ|беженц\w*|"
    r"título de residência|autorização de residência|tarjeta de residencia|carte de séjour|RNM|TIE)",
    re.IGNORECASE,
)
# A number after its cue word: digit groups may be split by single spaces, words may not follow.
_ID_TOKEN = re.compile(
    r"[A-Z]{0,3}-?\d[\dA-Z./-]*(?: \d[\dA-Z./-]*)*(?:\([0-9A]\))?", re.IGNORECASE
)
_STANDALONE_IDS = re.compile(
    r"\b784-\d{4}-\d{7}-\d\b"  # Emirates ID
    r"|\b\d{3}\.\d{3}\.\d{3}-\d{2}\b"  # Brazilian CPF
    r"|\b[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z0-9]\d\b"  # Mexican CURP
    r"|\b\d{17}[\dXx]\b"  # Chinese resident ID
    r"|(?<![A-Za-z0-9-])\d{3}-\d{2}C\d{5}\b"  # UNHCR (proGres) case number
    r"|\b[A-Z]{1,2}\d{6,8}(?:\([0-9A]\)|-\d\b|\b)"  # passport-style, with any check digit
)
# What may follow a street address and still point to one door: flat, floor, postcode and town.
_ADDRESS_TAIL = re.compile(
    r"(?:[,،]? ?(?:flat|apt\.?|apartment|appt\.?|piso|andar|кв\.|квартира|الطابق|شقة)\s?\d+\w?"
    r"|,\s?\d{1,2}\.?\s?[ºª°](?:\s?(?:[A-Za-z]|esq|dto|dir)\w*\.?)?"
    r"|,?\s?(?:[A-Z][a-z]+\s)?[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"
    r"|,\s?\d{4,5}(?:-\d{3})?(?:\s[^\W\d_]+)?)",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"\b\d{1,4}(?:bis|ter)?,? (?:rue|avenue|av\.|boulevard|bd|chemin|place|street|st\.|road|rd\.|lane|avenida|"
    r"calle|rua|travessa|estrada)\b[^,.\n]{2,40}"
    r"|\b(?:calle|carrera|avenida|av\.|rua|travessa|rue|street|road)\s[^,\n]{1,40}?,?\s?(?:#|№|n[º°o]\.?|no\.)\s?"
    r"\d+[A-Za-z]?(?:\s?-\s?\d+)?"
    r"|\b(?:calle|carrera|avenida|rua)\s[^,\n]{1,40}?,?\s\d{1,5}\b"
    r"|\b\d{1,4}[a-z]? (?:[A-Z][a-z]+ ){1,3}(?:Road|Street|Avenue|Lane|Drive|Close|Way|Terrace)\b"
    r"|(?:ул\.|улица|пр\.|проспект|пер\.|переулок)\s[^,\n]{1,40},\s?(?:д\.|дом)\s?\d+[^,\n]{0,3}(?:,\s?(?:кв\.|квартира)\s?\d+)?"
    r"|[\u4e00-\u9fff]{2,}(?:路|街|道|巷|大街)\d+号(?:[\u4e00-\u9fff\d]{0,8}(?:室|楼|层))?"
    r"|(?:شارع|حي)\s[^،,\n]{2,30}(?:[،,]\s?)?(?:(?:بناية|مبنى|عمارة|منزل)\s?)?(?:رقم\s?)?\d+",
    re.IGNORECASE,
)


_DIGIT = re.compile(r"\d")


def find_personal_data(text: str) -> list[Span]:
    """Every personal data item found, without overlaps, in text order.

    A detector is skipped when the text lacks what every one of its matches needs (an
    ``@``, a ``/`` or ``www.``, enough digits): the result is the same, and exports and
    digests, which mask every text they show, skip most of the regex scans.
    """
    spans: list[Span] = []
    digits = len(_DIGIT.findall(text))
    if "@" in text:
        spans += [Span("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
        spans += [Span("handle", m.start(), m.end()) for m in _HANDLE.finditer(text)]
    if "/" in text or "www." in text.lower():
        spans += [
            Span("url", m.start(), m.end()) for m in _URL.finditer(text) if _personal_url(m.group())
        ]
    if digits >= 2:
        spans += [
            Span("iban", m.start(), m.end())
            for m in _IBAN.finditer(text)
            if _iban_checks(m.group())
        ]
    if digits >= _ID_DIGITS:
        spans += _identity_numbers(text)
    if digits:
        spans += [
            Span("address", m.start(), _address_end(text, m.end())) for m in _ADDRESS.finditer(text)
        ]
    if digits >= _PHONE_DIGITS[0]:
        spans += _phones(text)
    return _without_overlaps(spans)


def redact(text: str) -> str:
    """The text with each personal data item replaced by its typed placeholder."""
    pieces: list[str] = []
    cursor = 0
    for span in find_personal_data(text):
        pieces += [text[cursor : span.start], PLACEHOLDERS[span.kind]]
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _address_end(text: str, end: int) -> int:
    """Extend an address over the flat, floor, postcode and town that follow it."""
    while tail := _ADDRESS_TAIL.match(text, end):
        if tail.end() == end:
            break
        end = tail.end()
    return end


def _personal_url(url: str) -> bool:
    """Profiles, shared files and chat links are personal; an organisation's site is not."""
    if _PERSONAL_HOSTS.search(url):
        return True
    path = re.sub(r"^(?:https?://)?[^/]+", "", url, flags=re.IGNORECASE)
    return bool(re.search(r"/(?:~|u/|user|users|profile|people|in/)", path, re.IGNORECASE))


def _iban_checks(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


_ID_DIGITS = (
    5  # the fewest digits of an identity number after its cue (standalone ones have 6 or more)
)
_PHONE_DIGITS = (8, 15)


def _identity_numbers(text: str) -> list[Span]:
    spans = [
        Span("id", m.start(), m.end())
        for m in _STANDALONE_IDS.finditer(text)
        if sum(ch.isdigit() for ch in m.group()) >= 6
    ]
    for cue in _ID_CUE.finditer(text):
        window = text[cue.end() : cue.end() + 40]
        token = _ID_TOKEN.search(window)
        if token is None or sum(ch.isdigit() for ch in token.group()) < _ID_DIGITS:
            continue
        if window[: token.start()].count(" ") > 4:
            continue  # too far from the cue word to be its number
        start = cue.end() + token.start()
        spans.append(Span("id", start, start + len(token.group().rstrip(" .-/"))))
    return spans


def _phones(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _PHONE_CANDIDATE.finditer(text):
        candidate = match.group().strip(" .-")
        digits = sum(ch.isdigit() for ch in candidate)
        if not _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1] or re.fullmatch(
            r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", candidate
        ):  # dates
            continue
        if _is_phone(candidate):
            start = match.start() + match.group().index(candidate)
            spans.append(Span("phone", start, start + len(candidate)))
    return spans


def _is_phone(candidate: str) -> bool:
    international = candidate.startswith(("+", "00"))
    number = "+" + candidate[2:] if candidate.startswith("00") else candidate
    regions = (None,) if international else PHONE_REGIONS
    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed) and (
            international or phonenumbers.is_valid_number(parsed)
        ):
            return True
    return False


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """Longest first wins where two detectors claim the same characters."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)
