"""What every process needs, built once from the settings: store, keys, and the services on them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import Engine

from intake_api.consent import Consent
from intake_api.crypto import KeyRing
from intake_api.item_posts import ItemPosts
from intake_api.moderation import Moderation
from intake_api.notifier import StaffNotifier
from intake_api.privacy import Privacy
from intake_api.publishing import Publishing
from intake_api.retention import Policy, Retention
from intake_api.service import IntakeService
from intake_api.settings import Settings
from models.db import make_engine

EXTENSION_KEY = "gcm_intake"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    keys: KeyRing
    service: IntakeService
    privacy: Privacy
    moderation: Moderation
    consent: Consent
    retention: Retention
    publishing: Publishing
    item_posts: ItemPosts

    @property
    def notifier(self) -> StaffNotifier:
        """Who tells staff about new and urgent inputs; the service calls it after commit."""
        return self.service.notifier

    @notifier.setter
    def notifier(self, notifier: StaffNotifier) -> None:
        self.service.notifier = notifier

    @property
    def uses_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def build_runtime(settings: Settings | None = None) -> Runtime:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    keys = KeyRing(settings.secret_key)
    return Runtime(
        settings,
        engine,
        keys,
        service=IntakeService(engine, keys, digital_consent_age=settings.digital_consent_age),
        privacy=Privacy(engine, keys),
        moderation=Moderation(engine),
        consent=Consent(engine, keys),
        retention=Retention(
            engine, Policy(settings.contact_retention_days, settings.conversation_retention_days)
        ),
        publishing=Publishing(engine),
        item_posts=ItemPosts(engine),
    )


def runtime_of(app: Flask) -> Runtime:
    """The runtime ``create_app`` built the application with."""
    runtime: Runtime = app.extensions[EXTENSION_KEY]
    return runtime
