"""Health check for load balancers and the newcomer's first curl."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from intake_api import runtime_of
from models.db import ping

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the store answers; 503 otherwise, so a balancer takes the host out."""
    if ping(runtime_of(current_app).engine):
        return jsonify(status="ok", database="ok")
    return jsonify(status="unavailable", database="unavailable"), 503
