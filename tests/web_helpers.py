"""Post forms the way a browser does: with the CSRF token and key from the page."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|submission_key)" value="([^"]*)">')


def hidden_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in HIDDEN.findall(html)}


def submit_form(client, url: str, answers: dict[str, Any], **kwargs):  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = {**hidden_fields(page.get_data(as_text=True)), **answers}
    return client.post(url, data=data, **kwargs)
