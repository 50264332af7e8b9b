"""E-mail through INTAKE_SMTP_URL: smtp://user:pw@host:587?starttls=1, or smtps:// for TLS."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

SENDER_DEFAULT = "gcm-intake@localhost"


def send_email(
    smtp_url: str, *, to: list[str], subject: str, text: str, html: str, timeout: float = 30
) -> None:
    """Send one multipart (text + HTML) message; raises on SMTP errors, which the caller retries.

    One try: the caller (the scheduler) retries under the e-mail delivery policy and
    records a give-up. A connection dropped after the message was handed over cannot
    tell whether the server kept it, so e-mail is at least once.
    """
    url = urlsplit(smtp_url)
    options = {k: v[0] for k, v in parse_qs(url.query).items()}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = options.get("from", SENDER_DEFAULT)
    message["To"] = ", ".join(to)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    port = url.port or (465 if url.scheme == "smtps" else 25)
    client_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with client_class(url.hostname or "localhost", port, timeout=timeout) as client:
        if options.get("starttls") in ("1", "true", "yes"):
            client.starttls(context=ssl.create_default_context())
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)
