"""The bare baselines: Flask routes doing the least a server must, under the same gunicorn.

``gunicorn 'bench.bare:app'``: ``/healthz`` and ``/bare`` answer 200; ``POST /bare/json``
parses a JSON body and answers 200 (B4's baseline); ``POST /bare/form`` reads a form body
and answers 200.
"""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/healthz")
@app.route("/bare", methods=["GET", "POST"])
def bare() -> tuple[str, int]:
    return "ok", 200


@app.post("/bare/json")
def bare_json():  # type: ignore[no-untyped-def]
    payload = request.get_json(silent=True)
    return jsonify(ok=isinstance(payload, dict))
