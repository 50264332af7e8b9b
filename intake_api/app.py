"""The composition root: the one place that knows every channel and wires them to the core.

``create_app()`` is the Flask app factory (``gunicorn 'intake_api.app:create_app()'``,
``flask --app intake_api.app``). Only this module and the CLI import ``bots``: the core
tells channels things through what is installed here (a ``StaffNotifier``, digest
senders), so it never imports one, and the channels never import each other.
"""

from __future__ import annotations

from flask import Flask

from bots.slack import webhook as slack_webhook
from bots.slack.app import LazySlack
from bots.slack.client import outbound_client
from bots.slack.digests import send_digests
from bots.slack.moderation_feed import SlackNotifier
from bots.telegram import webhook as telegram_webhook
from bots.telegram.app import LazyTelegram
from intake_api import deployment, log_privacy, web
from intake_api.api.routes import bp as api_bp
from intake_api.digest_email import email_sender
from intake_api.language.grouping_worker import BackgroundGrouping
from intake_api.policies import methods
from intake_api.runtime import EXTENSION_KEY, Runtime
from intake_api.runtime import build_runtime as build_core_runtime
from intake_api.scheduler import DigestSenders
from intake_api.settings import Settings
from intake_api.web.security import csrf, limiter

# Blueprints that authenticate every call by a secret, a signature or a bearer token, so
# neither a browser's cookie nor a CSRF token means anything to them.
AUTHENTICATED_BLUEPRINTS = ("telegram", "slack", "api")


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the web application; channels without their secrets stay off."""
    log_privacy.install()
    runtime = wire(runtime or serving(build_core_runtime(settings)))
    log_privacy.remember_secrets(
        runtime.settings.secret_values()
    )  # also for settings a test copied
    deployment.check_gunicorn_workers(runtime.settings)
    app = Flask("intake_api", instance_path=str(runtime.settings.instance_path))
    app.config.update(SECRET_KEY=runtime.settings.secret_key, JSON_AS_ASCII=False)
    app.extensions[EXTENSION_KEY] = runtime
    web.init_app(app, runtime.settings)
    _init_channels(app, runtime)
    # Last, once every route is known: HEAD and GET carry no body, and no state-changing
    # route is left without a guard or an authentication of its own.
    methods.install(app, authenticated_blueprints=AUTHENTICATED_BLUEPRINTS)
    return app


def build_runtime(settings: Settings | None = None) -> Runtime:
    """The core's runtime with the configured channels wired in, for every process."""
    return wire(build_core_runtime(settings))


def serving(runtime: Runtime) -> Runtime:
    """A serving process's runtime: new inputs are grouped by a thread of its own, so no
    request waits for grouping (a test's app keeps grouping in the request's thread)."""
    runtime.service.grouping = BackgroundGrouping(runtime.engine)
    return runtime


def wire(runtime: Runtime) -> Runtime:
    """Install the channels' side of the core: who tells staff about new and urgent inputs."""
    if runtime.settings.slack_enabled and not isinstance(runtime.notifier, SlackNotifier):
        runtime.notifier = SlackNotifier(runtime)
    return runtime


def default_senders(runtime: Runtime, *, timeout: int = 30) -> DigestSenders:
    """Slack and e-mail digest senders for whatever the settings switch on; ``timeout``: seconds per call."""
    settings = runtime.settings
    return DigestSenders(
        slack=send_digests(outbound_client(runtime, timeout=timeout))
        if settings.slack_enabled
        else None,
        email=email_sender(settings.smtp_url, timeout=timeout) if settings.smtp_url else None,
    )


def webhook_telegram(runtime: Runtime) -> LazyTelegram | None:
    """The Telegram channel whose failed webhook updates the scheduler retries, if any.

    Polling retries on its own; a webhook update whose processing failed is otherwise
    retried only when the next update arrives.
    """
    settings = runtime.settings
    return (
        LazyTelegram(runtime)
        if settings.telegram_enabled and settings.telegram_webhook_secret
        else None
    )


def _init_channels(app: Flask, runtime: Runtime) -> None:
    """Mount the chat channels whose secrets are configured."""
    if runtime.settings.telegram_enabled:
        app.extensions["telegram"] = LazyTelegram(runtime)
    if runtime.settings.slack_enabled:
        app.extensions["slack"] = LazySlack(runtime)
    for blueprint in (telegram_webhook.bp, slack_webhook.bp, api_bp):
        assert blueprint.name in AUTHENTICATED_BLUEPRINTS
        csrf.exempt(blueprint)  # authenticated by a secret, a signature or a bearer token instead
        limiter.exempt(blueprint)
        app.register_blueprint(blueprint)
