"""Regional commission membership, and the review a country makes certain."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.commissions import MEMBERS, REGIONAL_MEMBERS, review_for_country
from models.reference import COUNTRY_CODES, REVIEW_SLUGS


def test_one_member_list_per_review():
    assert set(MEMBERS) == set(REVIEW_SLUGS) == set(REGIONAL_MEMBERS)


@pytest.mark.parametrize(
    ("slug", "members", "regional"),
    [("eca", 54, 54), ("eclac", 46, 33), ("escap", 53, 49), ("escwa", 21, 21), ("unece", 56, 56)],
)
def test_member_counts(slug, members, regional):
    assert len(MEMBERS[slug]) == members
    assert len(REGIONAL_MEMBERS[slug]) == regional


def test_every_code_is_a_known_country():
    for slug, codes in MEMBERS.items():
        assert codes <= COUNTRY_CODES, (slug, sorted(codes - COUNTRY_CODES))


def test_every_un_member_state_is_in_some_commission():
    # 193 Members of the United Nations, plus Palestine (a full member of ESCWA).
    everyone = frozenset().union(*MEMBERS.values())
    assert len(everyone) == 194
    assert "PS" in everyone
    # Associate members and territories are not member States.
    assert everyone.isdisjoint({"HK", "MO", "PR", "GU", "AW", "CW", "NC", "PF", "TW", "VA"})


def test_extra_regional_members_are_left_out_of_the_region():
    assert {"FR", "GB", "US", "NL"} <= MEMBERS["escap"] & MEMBERS["eclac"]
    assert {"FR", "GB", "US", "NL"}.isdisjoint(
        REGIONAL_MEMBERS["escap"] | REGIONAL_MEMBERS["eclac"]
    )
    assert {"JP", "KR", "ES", "DE", "CA", "TR"}.isdisjoint(REGIONAL_MEMBERS["eclac"])
    for slug in REVIEW_SLUGS:
        assert REGIONAL_MEMBERS[slug] <= MEMBERS[slug]


@pytest.mark.parametrize(
    ("code", "review"),
    [
        ("JO", "escwa"),
        ("LB", "escwa"),
        ("PS", "escwa"),
        ("KE", "eca"),
        ("NG", "eca"),
        ("KM", "eca"),
        ("BR", "eclac"),
        ("HT", "eclac"),
        ("BD", "escap"),
        ("JP", "escap"),
        ("KR", "escap"),
        ("AU", "escap"),
        ("DE", "unece"),
        ("ES", "unece"),
        ("GB", "unece"),
        ("FR", "unece"),
        ("CA", "unece"),
        ("IL", "unece"),
        # The United States is extra-regional in ECLAC and ESCAP, so its region is UNECE's
        # ("Europe, North America and Central Asia").
        ("US", "unece"),
        # In two regions: ECA and ESCWA.
        ("EG", None),
        ("MA", None),
        ("SD", None),
        ("DJ", None),
        # In two regions: ESCAP and UNECE.
        ("RU", None),
        ("TR", None),
        ("KZ", None),
        ("GE", None),
        # Associate members, territories, and codes that are no country.
        ("HK", None),
        ("PR", None),
        ("TW", None),
        ("XX", None),
        ("", None),
    ],
)
def test_known_answers(code, review):
    assert review_for_country(code) == review


def test_codes_are_read_in_any_case():
    assert review_for_country("jo") == "escwa"
    assert review_for_country(" ke ") == "eca"


@given(st.sampled_from(sorted(COUNTRY_CODES)))
def test_an_inferred_review_is_the_only_region_the_country_is_in(code):
    review = review_for_country(code)
    regions = {slug for slug, codes in REGIONAL_MEMBERS.items() if code in codes}
    if review is None:
        assert len(regions) != 1
    else:
        assert review in REVIEW_SLUGS
        assert regions == {review}
        assert code in REGIONAL_MEMBERS[review]
