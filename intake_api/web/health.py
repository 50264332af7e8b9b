"""Health check for load balancers and the newcomer's first curl."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from intake_api import failures
from intake_api.runtime import runtime_of
from models.db import ping

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the store answers; 503 otherwise, so a balancer takes the host out.

    One ``SELECT 1`` on a pooled connection, no session, no cookie, and never cached:
    a proxy answering from its cache would hide a store that went down.
    """
    if ping(runtime_of(current_app).engine):
        response = jsonify(status="ok", database="ok")
    else:
        response = jsonify(status="unavailable", database="unavailable")
        response.status_code = 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Counts of 5xx answers, store outages met, outbound retries and give-ups, for Prometheus.

    Counts by route pattern and exception class only: nothing a person sent, no ids.
    """
    response = Response(failures.exposition(), mimetype="text/plain; version=0.0.4; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
