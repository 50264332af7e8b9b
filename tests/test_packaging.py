"""A plain `pip install .` ships everything the service reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from intake_api.i18n import LOCALES

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_packages_catalogs_migrations_and_templates(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("gcm_intake-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for locale in LOCALES:
        assert f"locales/{locale}/LC_MESSAGES/messages.mo" in names
    assert "models/migrations/env.py" in names
    assert any(n.startswith("models/migrations/versions/0001_") for n in names)
    assert "intake_api/templates/base.html" in names
    assert "intake_api/static/site.css" in names
    assert any(n.startswith("intake_api/data/demo_inputs") for n in names)
    assert {"bots/telegram/__init__.py", "bots/slack/__init__.py"} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gcm-intake = intake_api.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
