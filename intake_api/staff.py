"""Staff of the Network and what they may do: admins everywhere, organisers in their reviews."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import col, select

from intake_api.crypto import KeyRing
from models import crud
from models.api_token import ApiToken
from models.base import utcnow
from models.db import read_session, write_session
from models.reference import REVIEW_SLUGS
from models.staff import STAFF_ROLES, StaffMember


def add_staff(engine: Engine, *, email: str, role: str, reviews: list[str]) -> StaffMember:
    """Create or update a staff member; organisers need at least one review."""
    email = email.strip().lower()
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    unknown = [r for r in reviews if r not in REVIEW_SLUGS]
    if unknown:
        raise ValueError(f"unknown review: {', '.join(unknown)}")
    if role == "organiser" and not reviews:
        raise ValueError("an organiser needs --review SLUG")
    with write_session(engine) as session:
        member = session.exec(select(StaffMember).where(StaffMember.email == email)).first()
        if member is None:
            member = StaffMember(email=email, role=role, reviews=sorted(set(reviews)))
            session.add(member)
        else:
            member.role, member.reviews, member.active = role, sorted(set(reviews)), True
        session.flush()
        crud.write_audit(
            session,
            actor="cli",
            action="staff.saved",
            subject_type="staff",
            subject_id=member.id,
            detail={"role": role, "reviews": member.reviews},
        )
        return member


def list_staff(engine: Engine) -> list[StaffMember]:
    with read_session(engine) as session:
        return list(session.exec(select(StaffMember).order_by(StaffMember.email)))


def staff_for_slack(
    engine: Engine, keys: KeyRing, *, slack_user_id: str, email_of: Callable[[], str | None]
) -> StaffMember | None:
    """The staff member behind a Slack user, matched by e-mail the first time only."""
    pseudonym = keys.pseudonym("slack", slack_user_id)
    with read_session(engine) as session:
        member = session.exec(
            select(StaffMember).where(StaffMember.slack_pseudonym == pseudonym)
        ).first()
    if member is not None:
        return member if member.active else None
    email = (email_of() or "").strip().lower()
    if not email:
        return None
    with write_session(engine) as session:
        member = session.exec(select(StaffMember).where(StaffMember.email == email)).first()
        if member is None or not member.active:
            return None
        member.slack_pseudonym = pseudonym
        return member


TOKEN_PREFIX = "gcm_"  # noqa: S105 - a prefix, not a secret


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(engine: Engine, *, staff_id: int) -> str:
    """A new API token for a staff member; returned once, only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_session(engine) as session:
        session.add(ApiToken(staff_id=staff_id, token_hash=_hash(token)))
        crud.write_audit(
            session, actor="cli", action="token.issued", subject_type="staff", subject_id=staff_id
        )
    return token


def staff_for_token(engine: Engine, token: str) -> StaffMember | None:
    """The active staff member a bearer token belongs to, if it is valid and not revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with read_session(engine) as session:
        found = session.exec(
            select(StaffMember)
            .join(ApiToken, col(ApiToken.staff_id) == col(StaffMember.id))
            .where(col(ApiToken.token_hash) == _hash(token), col(ApiToken.revoked_at).is_(None))
        ).first()
    return found if found is not None and found.active else None


def revoke_tokens(engine: Engine, *, email: str) -> int:
    with write_session(engine) as session:
        member = session.exec(
            select(StaffMember).where(StaffMember.email == email.strip().lower())
        ).first()
        if member is None:
            return 0
        tokens = session.exec(
            select(ApiToken).where(
                col(ApiToken.staff_id) == member.id, col(ApiToken.revoked_at).is_(None)
            )
        ).all()
        for token in tokens:
            token.revoked_at = utcnow()
        crud.write_audit(
            session, actor="cli", action="token.revoked", subject_type="staff", subject_id=member.id
        )
        return len(tokens)
