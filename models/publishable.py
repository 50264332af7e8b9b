"""What pledges and practices carry to be shown on the Migration Network Hub.

An item is public only while its author's consent to publish stands and staff have
published it (``intake_api.policies.publication.item_is_public`` is the one rule).
A moderation post in the review's Slack channel is where staff publish it.
"""

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field

from models.base import Timestamp
from models.intake_record import IntakeRecord


class PublishableRecord(IntakeRecord):
    """An intake the Hub may show under the organisation's name."""

    # The author agreed that the item be shown publicly under the organisation's name.
    consent_publish: bool = False
    # Set by staff (Slack, API, CLI; audited); cleared on unpublishing or a withdrawal.
    published_at: datetime | None = Field(default=None, sa_type=Timestamp, index=True)
    # The item's moderation post, once shown to staff.
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    # The searched columns' words as the full-text index reads them (models.full_text fills it).
    search_document: str = Field(default="", sa_type=Text)
