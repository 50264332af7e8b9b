"""A newcomer's first commands in an empty folder, as real processes."""

from __future__ import annotations

import stat
import subprocess

import pytest

from tests.processes import GCM_INTAKE, clean_env

pytestmark = pytest.mark.slow


def test_db_upgrade_in_an_empty_folder_with_a_secret_key_creates_the_default_store(tmp_path):
    """With INTAKE_SECRET_KEY set nothing else creates ./instance: the store's folder must be made."""
    done = subprocess.run(
        [*GCM_INTAKE, "db", "upgrade"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(INTAKE_SECRET_KEY="a-secret-key-for-a-fresh-folder"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "store at revision" in done.stdout
    store = tmp_path / "instance" / "gcm_intake.db"
    assert store.is_file() and store.stat().st_size > 0
    # The folder holds what people wrote: nobody else on the host may list or read it.
    assert stat.S_IMODE(store.parent.stat().st_mode) & 0o077 == 0
    assert not (tmp_path / "instance" / "secret_key").exists()  # the key came from the environment


def test_db_upgrade_creates_the_folders_of_a_configured_sqlite_path(tmp_path):
    url = f"sqlite:///{tmp_path / 'data' / 'stores' / 'intake.db'}"
    done = subprocess.run(
        [*GCM_INTAKE, "db", "upgrade"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(INTAKE_SECRET_KEY="k" * 32, INTAKE_DATABASE_URL=url),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "data" / "stores" / "intake.db").is_file()
