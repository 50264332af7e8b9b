"""GET /healthz both ways."""

from __future__ import annotations

from intake_api.app import create_app
from intake_api.settings import Settings


def test_healthy_store(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_store_down_gives_503(tmp_path):
    app = create_app(
        Settings(
            database_url="postgresql://127.0.0.1:1/nowhere?connect_timeout=2",
            instance_path=tmp_path,
            secret_key="k",
        )
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unavailable"}


def test_unusable_sqlite_directory_gives_503(tmp_path):
    (tmp_path / "no").write_text("a file where the store's folder should be")
    app = create_app(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}",
            instance_path=tmp_path,
            secret_key="k",
        )
    )
    assert app.test_client().get("/healthz").status_code == 503


def test_never_cached_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_503_is_never_cached_either(tmp_path):
    (tmp_path / "no").write_text("a file where the store's folder should be")
    app = create_app(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}",
            instance_path=tmp_path,
            secret_key="k",
        )
    )
    assert app.test_client().get("/healthz").headers["Cache-Control"] == "no-store"
