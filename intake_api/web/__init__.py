"""The HTTP face: blueprints, Jinja set-up with the shared translator, safety nets."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for

from intake_api.i18n import (
    LOCALES,
    jinja_callables,
    language_name,
    text_direction,
    translations,
)
from intake_api.settings import Settings
from intake_api.web import errors, forms, health, hub, locale, my_input, pages, security
from intake_api.web.formatting import register_filters
from intake_api.web.locale import request_locale


def init_app(app: Flask, settings: Settings) -> None:
    locale.init_app(app)
    security.init_app(app, settings)
    errors.init_app(app)
    _init_jinja(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(forms.bp)
    app.register_blueprint(my_input.bp)
    app.register_blueprint(hub.bp)


def _init_jinja(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: translations(request_locale()).gettext(message),
        ngettext=lambda s, p, n: translations(request_locale()).ngettext(s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        LOCALES=LOCALES,
        language_name=language_name,
        current_locale=request_locale,
        text_direction=lambda: text_direction(request_locale()),
        switch_language_url=_switch_url,
        **jinja_callables(request_locale),
    )
    register_filters(app)


def _switch_url(target: str) -> str:
    """The same page in another language (a fresh form on form pages)."""
    endpoint = request.endpoint
    if endpoint and current_app.url_map.is_endpoint_expecting(endpoint, "locale"):
        args: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {})}
        return url_for(endpoint, **args, locale=target)
    return f"/{target}/"
