"""gcm-intake: the application core and its HTTP face.

``create_app()`` is the Flask app factory, usable by gunicorn as
``gunicorn 'intake_api:create_app()'``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import Flask

from intake_api.runtime import Runtime, build_runtime
from intake_api.settings import Settings

try:
    __version__ = version("gcm-intake")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

EXTENSION_KEY = "gcm_intake"
# Blueprints that authenticate every call by a secret, a signature or a bearer token, so
# neither a browser's cookie nor a CSRF token means anything to them.
AUTHENTICATED_BLUEPRINTS = ("telegram", "slack", "api")


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the web application; channels without their secrets stay off."""
    from intake_api import deployment, log_privacy, web
    from intake_api.policies import methods

    log_privacy.install()
    runtime = runtime or build_runtime(settings)
    log_privacy.remember_secrets(runtime.settings.secret_values())  # also for settings a test copied
    deployment.check_gunicorn_workers(runtime.settings)
    app = Flask(__name__, instance_path=str(runtime.settings.instance_path))
    app.config.update(SECRET_KEY=runtime.settings.secret_key, JSON_AS_ASCII=False)
    app.extensions[EXTENSION_KEY] = runtime
    web.init_app(app, runtime.settings)
    _init_channels(app, runtime)
    # Last, once every route is known: HEAD and GET carry no body, and no state-changing
    # route is left without a guard or an authentication of its own.
    methods.install(app, authenticated_blueprints=AUTHENTICATED_BLUEPRINTS)
    return app


def _init_channels(app: Flask, runtime: Runtime) -> None:
    """Mount the chat channels whose secrets are configured."""
    from bots.slack import webhook as slack_webhook
    from bots.slack.app import LazySlack
    from bots.telegram import webhook as telegram_webhook
    from bots.telegram.app import LazyTelegram
    from intake_api.web.security import csrf, limiter

    if runtime.settings.telegram_enabled:
        app.extensions["telegram"] = LazyTelegram(runtime)
    if runtime.settings.slack_enabled:
        app.extensions["slack"] = LazySlack(runtime)
    from intake_api.api.routes import bp as api_bp

    for blueprint in (telegram_webhook.bp, slack_webhook.bp, api_bp):
        assert blueprint.name in AUTHENTICATED_BLUEPRINTS
        csrf.exempt(blueprint)  # authenticated by a secret, a signature or a bearer token instead
        limiter.exempt(blueprint)
        app.register_blueprint(blueprint)


def runtime_of(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions[EXTENSION_KEY]
    return runtime
