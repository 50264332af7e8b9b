"""GCM reference data (A/RES/73/195), kept as plain data with translatable labels.

Labels are English msgids marked with ``N_`` so that pybabel extracts them;
they are translated where they are shown, in the reader's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel import Locale

from models.markers import N_ as N_
from models.markers import NC_


@dataclass(frozen=True)
class Objective:
    number: int
    short: str
    title: str


OBJECTIVES: tuple[Objective, ...] = (
    Objective(1, N_("Data"), N_("Collect and utilize accurate and disaggregated data as a basis for evidence-based policies")),
    Objective(2, N_("Minimize adverse drivers"), N_("Minimize the adverse drivers and structural factors that compel people to leave their country of origin")),
    Objective(3, N_("Information provision"), N_("Provide accurate and timely information at all stages of migration")),
    Objective(4, N_("Legal identity and documentation"), N_("Ensure that all migrants have proof of legal identity and adequate documentation")),
    Objective(5, N_("Regular pathways"), N_("Enhance availability and flexibility of pathways for regular migration")),
    Objective(6, N_("Recruitment and decent work"), N_("Facilitate fair and ethical recruitment and safeguard conditions that ensure decent work")),
    Objective(7, N_("Reduce vulnerabilities"), N_("Address and reduce vulnerabilities in migration")),
    Objective(8, N_("Save lives"), N_("Save lives and establish coordinated international efforts on missing migrants")),
    Objective(9, N_("Counter smuggling"), N_("Strengthen the transnational response to smuggling of migrants")),
    Objective(10, N_("Eradicate trafficking"), N_("Prevent, combat and eradicate trafficking in persons in the context of international migration")),
    Objective(11, N_("Manage borders"), N_("Manage borders in an integrated, secure and coordinated manner")),
    Objective(12, N_("Screening and referral"), N_("Strengthen certainty and predictability in migration procedures for appropriate screening, assessment and referral")),
    Objective(13, N_("Alternatives to detention"), N_("Use migration detention only as a measure of last resort and work towards alternatives")),
    Objective(14, N_("Consular protection"), N_("Enhance consular protection, assistance and cooperation throughout the migration cycle")),
    Objective(15, N_("Access to basic services"), N_("Provide access to basic services for migrants")),
    Objective(16, N_("Inclusion and social cohesion"), N_("Empower migrants and societies to realize full inclusion and social cohesion")),
    Objective(17, N_("Eliminate discrimination"), N_("Eliminate all forms of discrimination and promote evidence-based public discourse to shape perceptions of migration")),
    Objective(18, N_("Skills development and recognition"), N_("Invest in skills development and facilitate mutual recognition of skills, qualifications and competences")),
    Objective(19, N_("Migrant and diaspora contributions"), N_("Create conditions for migrants and diasporas to fully contribute to sustainable development in all countries")),
    Objective(20, N_("Remittances"), N_("Promote faster, safer and cheaper transfer of remittances and foster financial inclusion of migrants")),
    Objective(21, N_("Dignified return and reintegration"), N_("Cooperate in facilitating safe and dignified return and readmission, as well as sustainable reintegration")),
    Objective(22, N_("Social protection"), N_("Establish mechanisms for the portability of social security entitlements and earned benefits")),
    Objective(23, N_("International cooperation"), N_("Strengthen international cooperation and global partnerships for safe, orderly and regular migration")),
)  # fmt: skip

OBJECTIVE_NUMBERS = frozenset(o.number for o in OBJECTIVES)

# The objectives as a contributor reads them (migrants, young people, on a phone): short
# plain words, with the official title one tap away. Staff see the official short titles.
OBJECTIVE_PLAIN: dict[int, str] = {
    1: N_("Better facts and figures on migration"),
    2: N_("Fewer reasons that force people to leave"),
    3: N_("Clear, true information for migrants"),
    4: N_("Identity papers for every migrant"),
    5: N_("More legal ways to migrate"),
    6: N_("Fair recruitment and decent work"),
    7: N_("Less risk for migrants in difficult situations"),
    8: N_("Saving lives and finding missing migrants"),
    9: N_("Stopping migrant smuggling"),
    10: N_("Ending human trafficking"),
    11: N_("Safe and well-run borders"),
    12: N_("Fair and clear migration procedures"),
    13: N_("Detention only as a last resort"),
    14: N_("Help from your country's consulate"),
    15: N_("Health care, school and other basic services"),
    16: N_("Being part of the community"),
    17: N_("Ending discrimination"),
    18: N_("Skills, training and recognised diplomas"),
    19: N_("What migrants and diasporas give to development"),
    20: N_("Cheaper, safer money transfers home"),
    21: N_("Safe return and a new start"),
    22: N_("Keeping social security rights when you move"),
    23: N_("Countries working together on migration"),
}

GUIDING_PRINCIPLES: dict[str, str] = {
    "people_centred": N_("People-centred"),
    "international_cooperation": N_("International cooperation"),
    "national_sovereignty": N_("National sovereignty"),
    "rule_of_law": N_("Rule of law and due process"),
    "sustainable_development": N_("Sustainable development"),
    "human_rights": N_("Human rights"),
    "gender_responsive": N_("Gender-responsive"),
    "child_sensitive": N_("Child-sensitive"),
    "whole_of_government": N_("Whole-of-government approach"),
    "whole_of_society": N_("Whole-of-society approach"),
}

# The four discussion themes of the second round (framework note).
THEMES: dict[str, str] = {
    "priorities_gaps": N_("Regional priorities and gaps in implementing the GCM"),
    "cooperation": N_("Opportunities for regional and cross-regional cooperation on migration"),
    "governance": N_("Regional migration governance frameworks and integrating the GCM objectives and principles"),
    "progress_monitoring": N_("Monitoring regional progress and challenges on the Progress Declaration's recommended actions"),
}  # fmt: skip

# The themes as a contributor reads them; the framework note's titles are one tap away.
THEME_PLAIN: dict[str, str] = {
    "priorities_gaps": N_("What the region should do first, and what is missing"),
    "cooperation": N_("Countries working together"),
    "governance": N_("Migration laws and policies in the region"),
    "progress_monitoring": N_("Progress made so far, and what is still hard"),
}

# Whole-of-society: the Network ensures diversity, "including migrant and youth representatives".
STAKEHOLDER_GROUPS: dict[str, str] = {
    "migrant": N_("Migrant or migrant-led organisation"),
    "diaspora": N_("Diaspora"),
    "youth": N_("Youth"),
    "children_youth_org": N_("Children's and youth organisation"),
    "civil_society": N_("Civil society / NGO"),
    "community_based": N_("Community-based organisation"),
    "faith_based": N_("Faith-based organisation"),
    "academia": N_("Academia and research"),
    "private_sector": N_("Private sector / employers"),
    "trade_union": N_("Trade union or workers' organisation"),
    "local_authority": N_("Local or regional authority"),
    "parliamentarian": N_("Parliamentarian"),
    "nhri": N_("National human rights institution"),
    "media": N_("Media"),
    "government": N_("Member State government"),
    "un_system": N_("UN system or international organisation"),
    "other": NC_("stakeholder group", "Other"),
}

# Bands fine enough to apply an age of digital consent of 13, 16 or 18.
AGE_GROUPS: dict[str, str] = {
    "under_13": N_("Under 13"),
    "13_15": N_("13 to 15"),
    "16_17": N_("16 or 17"),
    "18_24": N_("18 to 24"),
    "25_34": N_("25 to 34"),
    "35_49": N_("35 to 49"),
    "50_64": N_("50 to 64"),
    "65_plus": N_("65 or older"),
}

# The oldest age in each band, to compare with the age of digital consent.
AGE_GROUP_OLDEST: dict[str, int] = {
    "under_13": 12,
    "13_15": 15,
    "16_17": 17,
    "18_24": 24,
    "25_34": 34,
    "35_49": 49,
    "50_64": 64,
    "65_plus": 120,
}


def minor_age_groups(consent_age: int) -> frozenset[str]:
    """The bands whose members are all younger than the age of digital consent."""
    return frozenset(band for band, oldest in AGE_GROUP_OLDEST.items() if oldest < consent_age)


GENDERS: dict[str, str] = {
    "woman": N_("Woman"),
    "man": N_("Man"),
    "other": N_("Another gender"),
}

CHANNELS: dict[str, str] = {
    "web": N_("Web form"),
    "telegram": N_("Telegram"),
    "slack": N_("Slack (staff)"),
    "api": N_("Partner API"),
}

MEETING_FORMATS: dict[str, str] = {
    "virtual": N_("Virtual"),
    "in_person": NC_("meeting format", "In person"),
    "hybrid": N_("Hybrid"),
}


@dataclass(frozen=True)
class RegionalReview:
    """One regional review; dates are the organisers' plan and live in the store."""

    slug: str
    commission: str
    region: str
    opens_on: date
    closes_on: date
    consultation_on: date
    meeting_format: str
    venue: str
    acronym: str = ""


REGIONAL_REVIEWS: tuple[RegionalReview, ...] = (
    RegionalReview("eca", N_("Economic Commission for Africa"), N_("Africa"),
                   date(2026, 11, 2), date(2027, 1, 29), date(2027, 2, 10), "hybrid", NC_("city", "Addis Ababa"),
                   NC_("regional commission acronym", "ECA")),
    RegionalReview("eclac", N_("Economic Commission for Latin America and the Caribbean"),
                   N_("Latin America and the Caribbean"),
                   date(2026, 11, 9), date(2027, 2, 5), date(2027, 2, 24), "in_person", NC_("city", "Santiago"),
                   NC_("regional commission acronym", "ECLAC")),
    RegionalReview("escap", N_("Economic and Social Commission for Asia and the Pacific"),
                   N_("Asia and the Pacific"),
                   date(2026, 11, 16), date(2027, 2, 12), date(2027, 3, 3), "hybrid", NC_("city", "Bangkok"),
                   NC_("regional commission acronym", "ESCAP")),
    RegionalReview("escwa", N_("Economic and Social Commission for Western Asia"), N_("Arab region"),
                   date(2026, 11, 23), date(2027, 2, 19), date(2027, 3, 10), "virtual", NC_("city", "Beirut"),
                   NC_("regional commission acronym", "ESCWA")),
    RegionalReview("unece", N_("Economic Commission for Europe"),
                   N_("Europe, North America and Central Asia"),
                   date(2026, 11, 30), date(2027, 2, 26), date(2027, 3, 17), "hybrid", NC_("city", "Geneva"),
                   NC_("regional commission acronym", "UNECE")),
)  # fmt: skip

REVIEW_SLUGS = tuple(r.slug for r in REGIONAL_REVIEWS)

# CLDR territory codes that are not ISO 3166-1 countries (groupings, reserved codes).
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)

COUNTRY_CODES: frozenset[str] = frozenset(
    str(code)
    for code in Locale("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)


def country_name(code: str, locale: str) -> str:
    """The country's name in the reader's language, from CLDR."""
    return _territories(locale).get(code, code)


@lru_cache(maxsize=16)
def _territories(locale: str) -> Mapping[str, str]:
    """CLDR's territory names in ``locale``, parsed once (a Hub page names every country)."""
    return Locale.parse(locale).territories


# UN list of least developed countries (44, as of December 2024), for travel support under
# the Migration MPTF follow-up and review window (A/RES/73/195 paras 48-50).
LEAST_DEVELOPED_COUNTRIES: frozenset[str] = frozenset(
    "AO BJ BF BI CF TD KM CD DJ ER ET GM GN GW LS LR MG MW ML MR MZ NE RW SN SL SO SS SD TG UG TZ ZM "
    "AF BD KH LA MM NP TL YE HT KI SB TV".split()
)
