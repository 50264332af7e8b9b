"""The reader's locale for every request: from the URL, else from the browser."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, g, request

from intake_api.i18n import LOCALES, negotiate_accept_language


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_pull_locale)
    app.url_defaults(_add_locale)


def request_locale() -> str:
    """Also right for error pages of unknown URLs, where no view ran."""
    if "locale" in g:
        return str(g.locale)
    return _locale_from_request()


def _locale_from_request() -> str:
    first_segment = request.path.strip("/").split("/", 1)[0]
    if first_segment in LOCALES:
        return first_segment
    return negotiate_accept_language(request.headers.get("Accept-Language"))


def _pull_locale(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    locale = (values or {}).pop("locale", None)
    if locale is None:  # a page without a locale in its URL, or a URL no route matched
        g.locale = _locale_from_request()
    elif locale in LOCALES:
        g.locale = locale
    else:
        abort(404)


def _add_locale(endpoint: str, values: dict[str, Any]) -> None:
    if "locale" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "locale"):
        values["locale"] = request_locale()
