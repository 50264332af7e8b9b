"""An app on a store the test can take away, and a browser's reading of the pages it answers.

``OutageApp`` is the app of one test on its own database: a fresh database of the private
PostgreSQL server (which the test may stop or make read-only), or an SQLite file (whose
write lock the test may hold, with a busy timeout short enough to wait on). ``outage()``
is the fault; when it ends the store is back, the app's pool untouched.

``FormReader`` reads a page's forms as a browser would send them: inputs' values, checked
boxes and radios, selected options, textareas' contents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine
from werkzeug.datastructures import MultiDict

from intake_api.app import create_app
from intake_api.runtime import Runtime, build_runtime
from intake_api.settings import Settings
from models import db
from models.migrate import upgrade
from tests.conftest import count_rows
from tests.faults.outages import PrivatePostgres, private_database, sqlite_write_locked

OUTAGES = ("postgresql-stopped", "postgresql-read-only", "sqlite-locked")
SQLITE_TEST_BUSY_TIMEOUT_MS = 200  # a writer gives up after this long instead of 15 s
SECRET = "test-secret-key-not-for-production"


EMAIL = "amal.haddad@example.org"


@dataclass(frozen=True)
class FormCase:
    kind: str
    table: str
    path: str  # after /<locale>
    typed: dict[str, Any]  # every field of the form, as a person fills it


FORMS = {
    "input": FormCase(
        "input",
        "submission",
        "/inputs/new",
        {
            "review": "eca",
            "stakeholder_group": "diaspora",
            "country": "SD",
            "age_group": "25_34",
            "gender": "other",
            "theme": "governance",
            "objectives": ["2", "7", "16"],
            "text": "نحتاج إلى طرق آمنة وقانونية للهجرة، ومعلومات واضحة قبل السفر.\nSecond line: Ωmega 移民.",
            "contact_email": EMAIL,
            "consent_store": "on",
            "consent_quote": "on",
        },
    ),
    "pledge": FormCase(
        "pledge",
        "pledge",
        "/pledges/new",
        {
            "organisation": "Союз мигрантов Ташкента",
            "stakeholder_group": "trade_union",
            "country": "UZ",
            "review": "unece",
            "title": "Обещание: ясные договоры",
            "objectives": ["6", "18", "22"],
            "text": "Мы обещаем к 2027 году: контракты на родном языке каждого работника, без сборов.",
            "contact_email": EMAIL,
            "consent_store": "on",
        },
    ),
    "practice": FormCase(
        "practice",
        "practice",
        "/practices/new",
        {
            "title": "移民信息中心 · Centre d'accueil",
            "objectives": ["3", "15"],
            "countries": ["CN", "MN", "VN"],
            "description": "我们在三个国家开设了信息中心，为出发前的移民提供关于正规途径、权利和服务的免费咨询。"
            " Résultats : 4 000 personnes conseillées.",
            "organisation": "Réseau Ωméga",
            "partners": "Ассоциация «Путь», 移民之家",
            "link": "https://practice.example.net/ωmega",
            "review": "escap",
            "contact_email": EMAIL,
            "consent_store": "on",
        },
    ),
    "registration": FormCase(
        "registration",
        "registration",
        "/reviews/escwa/register",
        {
            "name": "أمل حداد",
            "organisation": "جمعية الأمل",
            "stakeholder_group": "civil_society",
            "country": "SD",
            "contact_email": EMAIL,
            "attendance_mode": "in_person",
            "accessibility_needs": "ترجمة إلى لغة الإشارة العربية، ومدخل بلا درج.",
            "travel_support": "on",
            "travel_reason": "لا تغطي منظمتنا تكاليف السفر من الخرطوم.",
            "consent_store": "on",
        },
    ),
}


@dataclass
class OutageApp:
    name: str
    runtime: Runtime
    app: Flask
    outage: Callable[[], AbstractContextManager[None]]

    @property
    def engine(self) -> Engine:
        return self.runtime.engine


@contextmanager
def outage_app(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server: PrivatePostgres | None,
    **settings: Any,
) -> Iterator[OutageApp]:
    """The app on a store that ``name`` (one of ``OUTAGES``) can take away."""
    if name == "sqlite-locked":
        # Read when each connection is made: set before the engine makes its first.
        monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", SQLITE_TEST_BUSY_TIMEOUT_MS)
        path = tmp_path / "store.db"
        with _built(
            f"sqlite:///{path}", tmp_path, name, lambda: sqlite_write_locked(path), settings
        ) as built:
            yield built
        return
    assert server is not None
    fault = server.stopped if name == "postgresql-stopped" else server.read_only
    with private_database(server) as url, _built(url, tmp_path, name, fault, settings) as built:
        yield built


@contextmanager
def _built(
    url: str,
    tmp_path: Path,
    name: str,
    fault: Callable[[], AbstractContextManager[None]],
    settings: dict[str, Any],
) -> Iterator[OutageApp]:
    runtime = build_runtime(
        Settings(
            database_url=url, instance_path=tmp_path / "instance", secret_key=SECRET, **settings
        )
    )
    upgrade(runtime.engine)
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True)
    try:
        yield OutageApp(name, runtime, app, fault)
    finally:
        runtime.engine.dispose()


def stored_rows(engine: Engine, table: str) -> int:
    return count_rows(engine, table)


@dataclass
class Form:
    attrs: dict[str, str]
    values: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def sent(self, *extra: tuple[str, str]) -> MultiDict[str, str]:
        """What pressing its submit button sends (``extra``: the button's own name and value)."""
        return MultiDict([*self.values, *extra])

    def value(self, name: str) -> str:
        return next(v for k, v in self.values if k == name)

    def typed(self) -> dict[str, list[str]]:
        """What a person gave, by field: without the tokens the page adds."""
        found: dict[str, list[str]] = {}
        for key, value in self.values:
            if key not in ("csrf_token", "submission_key", "website"):
                found.setdefault(key, []).append(value)
        return found


class FormReader(HTMLParser):
    """Every form of a page, with the values a browser would send for it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.texts: list[str] = []
        self._select: tuple[str, bool] | None = None  # name, multiple
        self._textarea: str | None = None
        self._text: list[str] = []
        self.feed(html)
        self.close()

    def _form(self) -> Form:
        return self.forms[-1]

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attributes}
        if tag == "form":
            self.forms.append(Form(attrs))
        elif tag == "input" and "name" in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form().values.append((attrs["name"], attrs.get("value", "on")))
            else:
                self._form().values.append((attrs["name"], attrs.get("value", "")))
        elif tag == "button" and "name" in attrs:
            self._form().buttons.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = (attrs.get("name", ""), "multiple" in attrs)
        elif tag == "option" and self._select and "selected" in attrs and attrs.get("value"):
            self._form().values.append((self._select[0], attrs["value"]))
        elif tag == "textarea":
            self._textarea, self._text = attrs.get("name", ""), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form().values.append((self._textarea, "".join(self._text)))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        else:
            self.texts.append(data)

    def text(self) -> str:
        """The page's words, spaces made single, as a person reads them."""
        return re.sub(r"\s+", " ", " ".join(self.texts))

    def post_form(self) -> Form:
        return next(f for f in self.forms if f.attrs.get("method", "").lower() == "post")


def read_page(html: str) -> FormReader:
    return FormReader(html)
