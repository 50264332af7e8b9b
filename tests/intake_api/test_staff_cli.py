"""`gcm-intake staff`: roles and reviews for Network staff."""

from __future__ import annotations

import subprocess
import sys

from tests.processes import clean_env as _clean_env


def test_staff_add_and_list(database_url, runtime, tmp_path):
    env = _clean_env(INTAKE_DATABASE_URL=database_url, INTAKE_SECRET_KEY="k")

    def gcm(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "intake_api.cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert (
        "organiser (escwa, unece)"
        in gcm(
            "staff",
            "add",
            "Org@UN.example",
            "--role",
            "organiser",
            "--review",
            "escwa",
            "--review",
            "unece",
        ).stdout
    )
    assert gcm("staff", "add", "admin@un.example", "--role", "admin").returncode == 0
    refused = gcm("staff", "add", "x@un.example", "--role", "organiser")
    assert refused.returncode != 0 and "--review" in refused.stderr
    assert (
        gcm("staff", "add", "x@un.example", "--role", "organiser", "--review", "mars").returncode
        != 0
    )
    listing = gcm("staff", "list").stdout
    assert "org@un.example\torganiser\tescwa, unece\tnot yet seen in Slack" in listing
    assert "admin@un.example\tadmin\tall reviews" in listing
