"""Every output that can carry contributor words, rendered for real and read back as text.

The publication and encoding tests plant texts in the store, then call ``every_output``:
the report in each format (rendered and through the API), the Slack digest and the
e-mail digest (through the scheduler, a fake Slack Web API and a real SMTP server),
App Home (through a signed Slack event) and the moderation feed's notification text.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import docx
import openpyxl
from markdown_it import MarkdownIt
from sqlalchemy import Engine
from sqlmodel import Session

from intake_api.app import create_app, default_senders
from intake_api.reports import FORMATS, build_report, render_report
from intake_api.runtime import Runtime, build_runtime
from intake_api.scheduler import send_due_digests
from intake_api.settings import Settings
from intake_api.staff import add_staff, issue_token
from intake_api.subscriptions import subscribe
from models import DigestSubscription
from models.migrate import upgrade
from tests.bots.slack.conftest import SIGNING_SECRET, Slack
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.fakes.smtp import SmtpServer

REVIEW = "escwa"
DIGEST_CHANNEL, MODERATION_CHANNEL = "CDIGEST", "CMOD"


def readable(fmt: str, body: bytes) -> str:
    """A report file as the text a reader of that format sees (every cell, every paragraph)."""
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(body))
        return "\n".join(
            str(cell.value)
            for sheet in workbook
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        )
    if fmt == "docx":
        document = docx.Document(io.BytesIO(body))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    text = body.decode("utf-8-sig")
    if fmt == "md":  # the file as written, and as a Markdown viewer shows it
        return text + "\n" + MarkdownIt("commonmark").enable("table").render(text)
    return text


@dataclass(frozen=True)
class Outputs:
    """Each output by name: the files as bytes, and what a reader sees as text."""

    files: dict[str, bytes]  # "report.html", "api.md", ...
    slack_digest: list[dict]  # chat.postMessage payloads to the digest channel
    email: dict[str, str]  # content type -> decoded body
    app_home: dict
    notifications: list[str]  # the moderation feed's fallback texts

    def texts(self) -> dict[str, str]:
        texts = {name: readable(name.split(".")[1], body) for name, body in self.files.items()}
        texts["slack digest"] = json.dumps(self.slack_digest, ensure_ascii=False)
        texts |= {f"e-mail {kind}": body for kind, body in self.email.items()}
        texts["app home"] = json.dumps(self.app_home, ensure_ascii=False)
        texts["moderation notifications"] = "\n".join(self.notifications)
        return texts


@contextmanager
def slack_runtime(settings: Settings) -> Iterator[tuple[Runtime, FakeSlackApi]]:
    """A migrated store with Slack switched on against a fake Web API."""
    api = FakeSlackApi().start()
    api.add_user("UADMIN", email="admin@un.example", locale="en-GB")
    runtime = build_runtime(
        settings.model_copy(
            update={
                "slack_bot_token": BOT_TOKEN,
                "slack_signing_secret": SIGNING_SECRET,
                "slack_api_url": api.base_url,
            }
        )
    )
    upgrade(runtime.engine)
    try:
        yield runtime, api
    finally:
        api.stop()
        runtime.engine.dispose()


def _digest_subscription(engine: Engine, emails: list[str]) -> None:
    subscription = subscribe(
        engine,
        reviews=[REVIEW],
        cron="0 * * * *",
        timezone="UTC",
        locale="en",
        slack_channel=DIGEST_CHANNEL,
        emails=emails,
        actor="test",
    )
    with Session(engine) as session:
        row = session.get_one(DigestSubscription, subscription.id)
        row.created_at = datetime.now(UTC) - timedelta(days=2)
        session.add(row)
        session.commit()


def every_output(runtime: Runtime, api: FakeSlackApi) -> Outputs:
    """Render every output of the review's inputs as it leaves the service."""
    engine = runtime.engine
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    token = issue_token(engine, staff_id=admin.id or 0)
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True)
    client = app.test_client()
    slack = Slack(client)

    files: dict[str, bytes] = {}
    data = build_report(engine, review_slug=REVIEW)
    for fmt in FORMATS:
        files[f"report.{fmt}"] = render_report(data, fmt, "en")
        answer = client.get(
            f"/api/v1/reviews/{REVIEW}/report?format={fmt}&locale=en",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        files[f"api.{fmt}"] = answer.get_data()

    # The moderation feed, as the scheduler runs it.
    from bots.slack.client import web_client
    from bots.slack.moderation_feed import post_new_inputs, post_new_items

    assert (
        slack.command(f"channel {REVIEW}", user="UADMIN", channel=MODERATION_CHANNEL).status_code
        == 200
    )
    post_new_inputs(runtime, web_client(runtime))
    post_new_items(runtime, web_client(runtime))  # pledges and practices, for Publish
    notifications = [
        p["text"] for p in api.sent("chat.postMessage") if p.get("channel") == MODERATION_CHANNEL
    ]

    # Digests by Slack and e-mail, as the scheduler sends them (the period ends after now).
    with SmtpServer() as smtp:
        runtime.settings.smtp_url = smtp.url
        _digest_subscription(engine, ["organiser@un.example"])
        assert (
            send_due_digests(
                engine, default_senders(runtime), now=datetime.now(UTC) + timedelta(hours=2)
            )
            == 1
        )
        (message,) = smtp.messages
    email = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    }
    slack_digest = [p for p in api.sent("chat.postMessage") if p.get("channel") == DIGEST_CHANNEL]
    assert len(slack_digest) == 1

    slack.event(
        {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"},
        event_id=f"Ev{time.time_ns()}",
    )
    (home,) = api.sent("views.publish")
    return Outputs(files, slack_digest, email, home["view"], notifications)
