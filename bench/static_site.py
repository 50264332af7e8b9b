"""B8's baseline: saved pages served as static files, under the same gunicorn configuration.

``gunicorn 'bench.static_site:app'`` with ``BENCH_STATIC_DIR`` holding ``NAME.html`` files:
``/page/NAME`` answers the file with ``send_file`` (an ETag from the file, ``Cache-Control:
public``, 304 to a matching ``If-None-Match``), the plain way to serve the same HTML.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, abort, send_file

app = Flask(__name__)
FOLDER = Path(os.environ.get("BENCH_STATIC_DIR", "."))


@app.get("/healthz")
def healthz() -> tuple[str, int]:
    return "ok", 200


@app.get("/page/<name>")
def page(name: str) -> Response:
    path = FOLDER / f"{name}.html"
    if not name.replace("-", "").isalnum() or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="text/html", conditional=True, etag=True, max_age=60)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
