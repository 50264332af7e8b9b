"""The HTTP face: blueprints, Jinja set-up with the shared translator."""

from __future__ import annotations

from flask import Flask, g

from intake_api.i18n import DEFAULT_LOCALE, LOCALES, language_name, text_direction, translations
from intake_api.web import health, pages
from intake_api.web.formatting import register_filters


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: translations(_locale()).gettext(message),
        ngettext=lambda s, p, n: translations(_locale()).ngettext(s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        LOCALES=LOCALES, language_name=language_name, current_locale=_locale,
        text_direction=lambda: text_direction(_locale()),
    )  # fmt: skip
    register_filters(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)


def _locale() -> str:
    return g.get("locale", DEFAULT_LOCALE)
