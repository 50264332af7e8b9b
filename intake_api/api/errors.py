"""Every answer of /api/v1 that is not a success is a JSON ``Error``, whatever went wrong."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from intake_api import failures
from intake_api.policies.availability import store_unavailable
from intake_api.policies.requests import store_unavailable_json

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal the caller can act on: an HTTP status, a stable code and a sentence."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def init_blueprint(bp: Blueprint) -> None:
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected_error)


def _api_error(error: ApiError) -> ResponseReturnValue:
    return jsonify(error=error.code, message=error.message, **error.extra), error.status


def _http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    response = jsonify(
        error=(error.name or "error").lower().replace(" ", "_"),
        message=error.description or error.name,
    )
    response.status_code = code
    for name, value in error.get_headers():  # Allow on 405, Retry-After on 429, ...
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _unexpected_error(error: Exception) -> ResponseReturnValue:
    """Logged once, by class and route only (never the request's data); the caller gets JSON.

    A store that is unavailable is the 503 every channel gives (``policies.availability``).
    """
    if store_unavailable(error):
        return store_unavailable_json(error)
    log.error(
        "API %s %s failed: %s",
        request.method,
        request.url_rule,
        failures.cause_of(error),
        exc_info=error,
    )
    failures.server_error(str(request.url_rule), 500, error)
    return jsonify(
        error="internal_error",
        message="Something went wrong on our side; nothing was changed. Please try again later.",
    ), 500
