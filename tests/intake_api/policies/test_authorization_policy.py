"""The authorization policy itself, over every role, review and action (Hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from intake_api.policies.authorization import (
    ADMIN_ONLY,
    ADMINS_ONLY,
    NOT_STAFF,
    OUTSIDE_REVIEW,
    Action,
    NotAllowed,
    authorize,
    may,
    refusal,
    reviews_for,
)
from models.reference import REVIEW_SLUGS
from models.staff import StaffMember

reviews = st.sampled_from([*REVIEW_SLUGS, "", "ESCWA", "nowhere", "escwa "])
staff_members = st.builds(
    StaffMember,
    id=st.integers(1, 100),
    email=st.just("someone@un.example"),
    role=st.sampled_from(["admin", "organiser", "guest", ""]),
    reviews=st.lists(reviews, max_size=4),
    active=st.booleans(),
)
callers = st.none() | staff_members
actions = st.sampled_from(list(Action))
targets = st.none() | reviews


@given(callers, actions, targets)
def test_may_follows_the_two_roles(staff, action, review):
    expected = (
        staff is not None
        and staff.active
        and (
            (staff.role == "admin" and (review is None or review in REVIEW_SLUGS))
            or (
                staff.role == "organiser"
                and action not in ADMIN_ONLY
                and review in REVIEW_SLUGS
                and review in staff.reviews
            )
        )
    )
    assert may(staff, action, review) is expected


@given(callers, actions, targets)
def test_authorize_raises_exactly_when_may_refuses(staff, action, review):
    try:
        assert authorize(staff, action, review) is staff
        allowed = True
    except NotAllowed:
        allowed = False
    assert allowed is may(staff, action, review)


@given(callers, actions)
def test_reviews_for_lists_exactly_the_reviews_may_allows(staff, action):
    assert reviews_for(staff, action) == [slug for slug in REVIEW_SLUGS if may(staff, action, slug)]


@given(callers, actions)
def test_an_organiser_never_acts_outside_their_reviews_or_on_admin_actions(staff, action):
    if staff is not None and staff.role != "admin":
        assert set(reviews_for(staff, action)) <= set(staff.reviews)
        if action in ADMIN_ONLY:
            assert reviews_for(staff, action) == []


@given(callers, actions)
def test_a_refusal_says_why(staff, action):
    expected = (
        NOT_STAFF
        if staff is None or not staff.active
        else ADMINS_ONLY
        if action in ADMIN_ONLY
        else OUTSIDE_REVIEW
    )
    assert refusal(staff, action) == expected


def test_nothing_is_allowed_to_someone_who_left():
    former = StaffMember(id=1, email="x@un.example", role="admin", reviews=[], active=False)
    assert all(reviews_for(former, action) == [] for action in Action)
    assert not may(former, Action.ERASE, None)
