"""Membership of the five UN regional commissions, and the one review a country's membership makes certain.

Pure reference data (ISO 3166-1 alpha-2 codes, keyed by the review slugs of
``models.reference.REGIONAL_REVIEWS``), as of 2025. Member States only: associate
members (non-self-governing territories such as Guam, Hong Kong, China or Puerto
Rico) are left out, so a country code from one of them infers nothing.

Sources. The addresses below are pages read while writing this; "the commission's
member list" means its own page of member States, named but not read here. The lists were
checked against each other: their union is the 193 Members of the United Nations plus
Palestine, each in at least one commission.

- ECA, 54 member States, the African States Members of the United Nations: ECA's terms
  of reference (ECOSOC resolution 671 A (XXV), as amended), the commission's member list
  (uneca.org).
- ECLAC, 46 member States (20 Latin American, 13 Caribbean, 13 from outside the region)
  and 14 associate members: the commission's member list (cepal.org), as reproduced in
  https://www.wikiwand.com/en/articles/ECLAC .
- ESCAP, 53 members and 9 associate members; besides the countries of Asia and the
  Pacific, its members include France, the Netherlands, the United Kingdom and the United
  States: the commission's member list (unescap.org), as summarised in
  https://en.wikipedia.org/wiki/United_Nations_Economic_and_Social_Commission_for_Asia_and_the_Pacific ;
  North and Central Asia (Russian Federation 1947; Azerbaijan, Kazakhstan, Kyrgyzstan,
  Tajikistan, Turkmenistan, Uzbekistan 1992; Armenia 1994; Georgia 2000):
  https://www.unescap.org/subregional-office/north-central-asia .
- ESCWA, 21 member States, all Arab States: the commission's member list (unescwa.org).
  Algeria and Somalia joined in 2020, which left Comoros and Djibouti the two Arab States
  outside: https://cepei.org/en/documents/infographic-escwa-basic-information/ (2021).
  Djibouti's admission since, as the 21st, is from memory, not from a page read here:
  check it against ESCWA's list.
- UNECE, 56 member States (Europe, Canada and the United States, the Central Asian
  republics, Israel): https://unece.org/geographical-scope and its dates of membership.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


MEMBERS: Final[dict[str, frozenset[str]]] = {
    # ECA: the 54 African States Members of the United Nations.
    "eca": _codes(
        "DZ AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS "
        "LR LY MG MW ML MR MU MA MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG TN UG ZM ZW"
    ),
    # ECLAC: 33 States of Latin America and the Caribbean, then the 13 from outside the region.
    "eclac": _codes(
        "AG AR BS BB BZ BO BR CL CO CR CU DM DO EC SV GD GT GY HT HN JM MX NI PA PY PE "
        "KN LC VC SR TT UY VE "
        "CA FR DE IT JP NL NO PT KR ES TR GB US"
    ),
    # ESCAP: 49 States of Asia and the Pacific, then France, the Netherlands, the UK and the US.
    "escap": _codes(
        "AF AM AU AZ BD BT BN KH CN KP FJ GE IN ID IR JP KZ KI KG LA MY MV MH FM MN MM NR "
        "NP NZ PK PW PG PH KR RU WS SG SB LK TJ TH TL TO TR TM TV UZ VU VN "
        "FR NL GB US"
    ),
    # ESCWA: 21 Arab States (Palestine is a full member).
    "escwa": _codes("DZ BH DJ EG IQ JO KW LB LY MR MA OM PS QA SA SO SD SY TN AE YE"),
    # UNECE: 56 States of Europe, North America, Central Asia, and Israel; all of its region.
    "unece": _codes(
        "AL AD AM AT AZ BY BE BA BG CA HR CY CZ DK EE FI FR GE DE GR HU IS IE IL IT KZ KG "
        "LV LI LT LU MT MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SE CH TJ TR TM UA GB "
        "US UZ"
    ),
}

# Members that sit on a commission for another region's sake (their overseas territories,
# donors, trade ties): they belong to that commission but not to its region.
_EXTRA_REGIONAL: Final[dict[str, frozenset[str]]] = {
    "eclac": _codes("CA FR DE IT JP NL NO PT KR ES TR GB US"),
    "escap": _codes("FR NL GB US"),
}

# Why a second mapping: MEMBERS says which commissions a country sits on, but only the
# membership of its own region says where it is. Counted in MEMBERS, Germany (ECLAC and
# UNECE) or Japan (ECLAC and ESCAP) would look as uncertain as Egypt, and the UK would be
# in three places; so the inference reads REGIONAL_MEMBERS only, and answers only for a
# country in exactly one region (Egypt is in ECA's and ESCWA's, the Russian Federation in
# ESCAP's and UNECE's: their contributors choose).
REGIONAL_MEMBERS: Final[MappingProxyType[str, frozenset[str]]] = MappingProxyType(
    {slug: codes - _EXTRA_REGIONAL.get(slug, frozenset()) for slug, codes in MEMBERS.items()}
)

_REVIEW_BY_COUNTRY: Final[MappingProxyType[str, str]] = MappingProxyType(
    {
        code: slug
        for slug, codes in REGIONAL_MEMBERS.items()
        for code in codes
        if sum(code in others for others in REGIONAL_MEMBERS.values()) == 1
    }
)


def review_for_country(code: str) -> str | None:
    """The review of the one regional commission whose region ``code`` belongs to, else None.

    None for a country in the region of two commissions (EG: ECA and ESCWA; RU, TR, KZ:
    ESCAP and UNECE), for a territory that is only an associate member, and for an
    unknown code. Extra-regional memberships (the UK in ESCAP, Spain in ECLAC) count for
    nothing, so GB and ES give "unece". Codes are ISO 3166-1 alpha-2, any case.
    """
    return _REVIEW_BY_COUNTRY.get(code.strip().upper())
