"""The shared store: SQLModel tables, engine setup, migrations and reference data."""

from sqlmodel import SQLModel

# Named constraints so that Alembic migrations are the same on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

import models.full_text  # noqa: E402,F401 - the search document follows ORM writes
from models.api_token import ApiToken  # noqa: E402
from models.audit import AuditEntry  # noqa: E402
from models.broadcast import Broadcast, BroadcastDelivery, ChatContact  # noqa: E402
from models.consent import ConsentRecord  # noqa: E402
from models.contributor import Contributor  # noqa: E402
from models.conversation import ChatSession  # noqa: E402
from models.delivery import OutboundFailure  # noqa: E402
from models.digest import DigestDelivery, DigestSubscription  # noqa: E402
from models.inbox import InboxEntry  # noqa: E402
from models.input_tally import InputHourly, InputTally  # noqa: E402
from models.lease import Lease  # noqa: E402
from models.outbox import ChatReply, SlackRemoval  # noqa: E402
from models.pledge import Pledge  # noqa: E402
from models.practice import Practice  # noqa: E402
from models.public_version import PublicVersion  # noqa: E402
from models.registration import Registration  # noqa: E402
from models.review import Objective, RegionalReview  # noqa: E402
from models.staff import StaffMember  # noqa: E402
from models.submission import (  # noqa: E402
    GroupingPending,
    ObjectiveSuggestion,
    Submission,
    SubmissionObjective,
    TextBand,
)

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Broadcast",
    "BroadcastDelivery",
    "ChatContact",
    "ChatSession",
    "ConsentRecord",
    "Contributor",
    "DigestDelivery",
    "DigestSubscription",
    "InboxEntry",
    "InputHourly",
    "InputTally",
    "Lease",
    "Objective",
    "OutboundFailure",
    "ObjectiveSuggestion",
    "Pledge",
    "Practice",
    "PublicVersion",
    "RegionalReview",
    "Registration",
    "ChatReply",
    "SlackRemoval",
    "StaffMember",
    "Submission",
    "SubmissionObjective",
    "GroupingPending",
    "TextBand",
]
