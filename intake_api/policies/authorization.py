"""Who may do what: the one place that decides a staff member's rights.

Every channel asks here (the API, every Slack command, button, modal, App Home
and shortcut, the CLI), so a rule changes in one place and a channel cannot
forget a check. There are two roles: an administrator acts in every regional
review; an organiser acts in the reviews listed for them, and may not erase
records or unseal original words, which only administrators may do. Someone
who is not (or no longer) active staff may do nothing.
"""

from __future__ import annotations

from enum import StrEnum

from models.reference import N_, REVIEW_SLUGS
from models.staff import StaffMember


class NotAllowed(Exception):
    """The caller may not do this here: not staff, or the role or review does not cover it."""


class Action(StrEnum):
    """What staff do; the value is what the audit log and error messages name."""

    READ_INPUTS = "inputs.read"  # inputs, counts, reports, exports, digests, App Home
    MODERATE = "inputs.moderate"  # status and objective tags
    CAPTURE = "inputs.capture"  # record an input on someone's behalf (Slack modal, partner API)
    WITHDRAW_CONSENT = "consent.withdraw"  # on a contributor's behalf
    READ_REGISTRATIONS = "registrations.read"  # names and needs of participants
    CONFIGURE_REVIEW = (
        "review.configure"  # moderation and safeguarding channels, digest subscriptions
    )
    ERASE = "records.erase"  # on a contributor's request
    REVEAL_ORIGINAL = "original.reveal"  # the sealed words as written, when the law requires
    PUBLISH = "items.publish"  # pledges and practices on the Hub, with their authors' consent
    READ_FAILURES = (
        "failures.read"  # outbound messages given up on, across reviews (App Home count)
    )


ADMIN_ONLY = frozenset({Action.ERASE, Action.REVEAL_ORIGINAL, Action.READ_FAILURES})

# The person at the command line (`gcm-intake ...`, the demo loader): they hold the
# store and its keys already, so they act as an administrator; audited as "cli".
OPERATOR = StaffMember(id=0, email="operator@localhost", role="admin", reviews=[], active=True)


def may(staff: StaffMember | None, action: Action, review: str | None) -> bool:
    """Whether ``staff`` may do ``action`` in ``review`` (None: an action not tied to one review).

    An action tied to no review (erasing by receipt, say) is for administrators only,
    as is every action on a review that does not exist.
    """
    if staff is None or not staff.active:
        return False
    if staff.role == "admin":
        return review is None or review in REVIEW_SLUGS
    if staff.role != "organiser" or action in ADMIN_ONLY or review is None:
        return False
    return review in REVIEW_SLUGS and review in (staff.reviews or [])


def authorize(staff: StaffMember | None, action: Action, review: str | None) -> StaffMember:
    """The staff member, if ``may``; raises ``NotAllowed`` otherwise."""
    if staff is None or not may(staff, action, review):
        raise NotAllowed(f"{action.value} in {review or 'any review'}")
    return staff


def audit_actor(staff: StaffMember) -> str:
    """How the audit log names who acted: the operator at the command line, or a staff id."""
    return "cli" if staff is OPERATOR else f"staff:{staff.id}"


def reviews_for(staff: StaffMember | None, action: Action) -> list[str]:
    """The reviews in which ``staff`` may do ``action``, in the reference order."""
    return [slug for slug in REVIEW_SLUGS if may(staff, action, slug)]


# What a refused person is told, by why they were refused (msgids: every channel translates them).
NOT_STAFF = N_(
    "Sorry, only Network staff registered with gcm-intake can do this. Please ask an administrator."
)
OUTSIDE_REVIEW = N_("Sorry, your role does not cover this regional review.")
ADMINS_ONLY = N_(
    "Sorry, only administrators can erase inputs, and staff only act on their own reviews."
)


def refusal(staff: StaffMember | None, action: Action) -> str:
    """The message (a msgid) for a refusal of ``action`` to ``staff``."""
    if staff is None or not staff.active:
        return NOT_STAFF
    if action in ADMIN_ONLY:
        return ADMINS_ONLY
    return OUTSIDE_REVIEW
