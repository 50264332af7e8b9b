"""The method policy's parts: which methods change state, bodiless safe methods, the start-up check."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, request

from intake_api.app import create_app
from intake_api.policies import methods
from intake_api.policies.methods import SafeMethodsCarryNoBody, UnguardedRoute, changes_state
from intake_api.web.security import guard_state_changes


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post"])
def test_state_changing_methods(method):
    assert changes_state(method)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", ""])
def test_every_other_method_is_not_a_submission(method):
    assert not changes_state(method)


def _echo_app() -> Flask:
    app = Flask(__name__)

    @app.route("/echo", methods=["GET", "POST", "PUT"])
    def echo():  # type: ignore[no-untyped-def]
        return {
            "form": request.form.to_dict(),
            "json": request.get_json(silent=True),
            "raw": request.get_data(as_text=True),
        }

    app.wsgi_app = SafeMethodsCarryNoBody(app.wsgi_app)  # type: ignore[method-assign]
    return app


def test_get_reaches_the_view_without_a_body():
    response = _echo_app().test_client().get("/echo", data={"action": "erase_confirmed"})
    assert response.get_json() == {"form": {}, "json": None, "raw": ""}


def test_head_reaches_the_get_view_without_a_body_and_answers_without_one():
    client = _echo_app().test_client()
    response = client.head("/echo", data={"action": "erase_confirmed"})
    assert response.status_code == 200 and response.data == b""
    chunked = client.head(
        "/echo",
        data=b'{"a": 1}',
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    assert chunked.status_code == 200


def test_state_changing_methods_keep_their_body():
    client = _echo_app().test_client()
    assert client.post("/echo", data={"action": "x"}).get_json()["form"] == {"action": "x"}
    assert client.put("/echo", json={"a": 1}).get_json()["json"] == {"a": 1}


def test_an_app_with_an_unguarded_state_changing_route_is_refused(runtime):
    """A new HTML route that takes POST without the guard stops create_app, naming the route."""
    rogue = Blueprint("rogue", __name__)

    @rogue.route("/<locale>/rogue", methods=["GET", "POST"])
    def rogue_form():  # type: ignore[no-untyped-def]
        return "stored"

    app = Flask(__name__)
    app.register_blueprint(rogue)
    with pytest.raises(UnguardedRoute, match=r"/<locale>/rogue \(rogue.rogue_form\)"):
        methods.install(app, authenticated_blueprints=())
    # The same route is accepted once guarded, or when its blueprint authenticates every call.
    assert methods.unguarded_routes(app, authenticated_blueprints=("rogue",)) == []
    guarded = Flask(__name__)
    guarded.add_url_rule(
        "/g",
        view_func=guard_state_changes("1 per minute")(lambda: "ok"),
        methods=["POST"],
        endpoint="g",
    )
    assert methods.unguarded_routes(guarded, authenticated_blueprints=()) == []


def test_the_real_app_passes_the_start_up_check(runtime):
    app = create_app(runtime=runtime)
    assert (
        methods.unguarded_routes(app, authenticated_blueprints=("telegram", "slack", "api")) == []
    )
