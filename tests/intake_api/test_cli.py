"""The `gcm-intake` command as a newcomer runs it: real processes, real ports."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from intake_api import __version__
from intake_api.cli import main
from intake_api.i18n import LOCALES
from models.db import make_engine
from tests.processes import GCM_INTAKE, gunicorn
from tests.processes import clean_env as _clean_env
from tests.processes import free_port as _free_port
from tests.processes import wait_for as _wait_for


def test_version_and_help():
    runner = CliRunner()
    assert __version__ in runner.invoke(main, ["--version"]).output
    listing = runner.invoke(main, ["--help"]).output
    for command in ("serve", "db", "demo", "translate"):
        assert command in listing
    for args in (["serve", "--help"], ["db", "upgrade", "--help"], ["demo", "--help"]):
        assert runner.invoke(main, args).exit_code == 0


@pytest.mark.slow
def test_serve_starts_on_a_fresh_directory_and_answers_healthz(tmp_path: Path):
    port = _free_port()
    process = subprocess.Popen(
        [*GCM_INTAKE, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = _wait_for(f"http://127.0.0.1:{port}/healthz", process)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        home = httpx.get(f"http://127.0.0.1:{port}/ar/")
        assert '<html lang="ar" dir="rtl">' in home.text
        assert (tmp_path / "instance" / "gcm_intake.db").exists()
        assert (tmp_path / "instance" / "secret_key").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "Telegram channel off" in output
    assert "Traceback" not in output


@pytest.mark.slow
def test_serve_on_sqlite_runs_the_scheduler_in_the_same_process(tmp_path: Path):
    """A newcomer's one process sends a due digest: nothing else to start."""
    from datetime import UTC, datetime, timedelta

    from intake_api.subscriptions import subscribe
    from models.digest import DigestSubscription
    from models.migrate import upgrade
    from tests.fakes.smtp import SmtpServer

    (tmp_path / "instance").mkdir()
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'gcm_intake.db'}")
    upgrade(engine)
    subscription = subscribe(
        engine,
        reviews=["escwa"],
        cron="0 * * * *",
        timezone="UTC",
        locale="en",
        slack_channel=None,
        emails=["organiser@un.example"],
        actor="test",
    )
    with engine.begin() as connection:  # subscribed a week ago: a period is due now
        connection.execute(
            DigestSubscription.__table__.update()
            .values(  # type: ignore[attr-defined]
                created_at=datetime.now(UTC) - timedelta(days=7)
            )
            .where(DigestSubscription.__table__.c.id == subscription.id)
        )  # type: ignore[attr-defined]
    engine.dispose()
    port = _free_port()
    with SmtpServer() as smtp:
        process = subprocess.Popen(
            [*GCM_INTAKE, "serve", "--port", str(port)],
            cwd=tmp_path,
            env=_clean_env(INTAKE_SMTP_URL=smtp.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_for(f"http://127.0.0.1:{port}/healthz", process)
            deadline = time.monotonic() + 60
            while not smtp.messages and time.monotonic() < deadline:
                time.sleep(0.2)
            assert [m["To"] for m in smtp.messages] == ["organiser@un.example"]
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=30)
    assert "with the scheduler" in output and "Traceback" not in output


@pytest.mark.slow
@pytest.mark.postgres
def test_app_factory_runs_under_gunicorn_with_two_workers(postgres_url, tmp_path):
    """The production shape: `gunicorn 'intake_api.app:create_app()'` on a migrated PostgreSQL store."""
    env = _clean_env(
        INTAKE_DATABASE_URL=postgres_url, INTAKE_SECRET_KEY="k", INTAKE_ENVIRONMENT="production"
    )
    with gunicorn(env, tmp_path) as url:
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok", "database": "ok"}
        assert "Arab region" in httpx.get(f"{url}/en/").text


@pytest.mark.postgres
def test_serve_refuses_a_postgresql_store_that_was_not_migrated(postgres_url):
    result = subprocess.run(
        [*GCM_INTAKE, "serve", "--port", str(_free_port())],
        env=_clean_env(INTAKE_DATABASE_URL=postgres_url, INTAKE_SECRET_KEY="k"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "gcm-intake db upgrade" in result.stderr


@pytest.mark.slow
def test_db_upgrade_then_demo_fills_the_store(database_url, tmp_path):
    env = _clean_env(INTAKE_DATABASE_URL=database_url, INTAKE_SECRET_KEY="demo-key")
    upgrade = subprocess.run(
        [*GCM_INTAKE, "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "revision" in upgrade.stdout

    demo = subprocess.run(
        [*GCM_INTAKE, "demo"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert demo.returncode == 0, demo.stderr
    assert "Loading demo inputs" in demo.stdout  # the progress bar

    engine = make_engine(database_url)
    with engine.connect() as connection:

        def scalar(sql: str):
            return connection.execute(text(sql)).scalar_one()

        assert scalar("SELECT count(*) FROM submission") >= 500
        assert scalar("SELECT count(DISTINCT review_slug) FROM submission") == 5
        assert scalar("SELECT count(DISTINCT channel) FROM submission") == 4
        locales = set(connection.execute(text("SELECT DISTINCT locale FROM submission")).scalars())
        assert locales == set(LOCALES)
        assert scalar("SELECT count(DISTINCT stakeholder_group) FROM submission") >= 15
        assert scalar("SELECT count(DISTINCT objective_number) FROM submission_objective") == 23
        assert scalar("SELECT count(*) FROM contributor") > 0
        assert (
            scalar("SELECT count(*) FROM pledge") > 0
            and scalar("SELECT count(*) FROM registration") > 0
        )
        before = scalar("SELECT count(*) FROM submission")

    again = subprocess.run(
        [*GCM_INTAKE, "demo"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM submission")).scalar_one() == before
    engine.dispose()


def test_db_revision_finds_nothing_to_migrate_when_models_and_migrations_agree(
    database_url, runtime
):
    """`gcm-intake db revision` writes the next numbered migration; on a current store it is empty."""
    env = _clean_env(INTAKE_DATABASE_URL=database_url, INTAKE_SECRET_KEY="revision-key")
    versions = Path(__file__).parents[2] / "models" / "migrations" / "versions"
    before = sorted(p.name for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    result = CliRunner().invoke(main, ["db", "revision", "-m", "nothing changed"], env=env)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1])
    try:
        script = path.read_text()
        assert (
            path.parent == versions
            and path.name == f"{int(before[-1][:4]) + 1:04d}_nothing_changed.py"
        )
        upgrade = script.split("def upgrade() -> None:")[1].split("def downgrade")[0]
        assert [
            line.strip()
            for line in upgrade.strip().splitlines()
            if not line.strip().startswith("#")
        ] == ["pass"]
    finally:
        path.unlink()
