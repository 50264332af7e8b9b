"""``gcm-intake translate``: the gettext workflow over ``locales/`` (pybabel underneath)."""

from __future__ import annotations

from contextlib import chdir
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface

from intake_api.i18n import LOCALES
from locales import DOMAIN, LOCALES_DIR

ROOT = LOCALES_DIR.parent
POT = LOCALES_DIR / f"{DOMAIN}.pot"
# Our own gettext takes the locale first; N_/NC_/NP_/NPC_ mark strings defined at
# import time. Renderers bind the locale once: t(message), tn(s, p, n), tp(ctx, m),
# and the Telegram conversation's _t(state, message), _tn(state, s, p, n), _tp(state, ctx, m).
# Templates use _n(s, p, n), _p(ctx, m), _np(ctx, s, p, n): pybabel reads them with
# these same specs, so they can't share a name with a Python function taking a locale.
KEYWORD_SPECS = (
    "_",
    "N_",
    "NC_:1c,2",
    "NP_:1,2",
    "NPC_:1c,2,3",
    "gettext:2",
    "ngettext:2,3",
    "pgettext:2c,3",
    "npgettext:2c,3,4",
    "t",
    "tn:1,2",
    "tp:1c,2",
    "_t:2",
    "_tn:2,3",
    "_tp:2c,3",
    "_n:1,2",
    "_p:1c,2",
    "_np:1c,2,3",
)
KEYWORDS = [arg for spec in KEYWORD_SPECS for arg in ("-k", spec)] + ["--no-default-keywords"]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


@click.group()
def translate() -> None:
    """Extract, update and compile the message catalogs."""


@translate.command()
def extract() -> None:
    """Collect every translatable string into locales/messages.pot."""
    with chdir(ROOT):  # relative paths in the catalog's location comments
        _pybabel(
            "extract",
            "-F",
            "babel.cfg",
            *KEYWORDS,
            "--sort-by-file",
            "--no-wrap",
            "--project",
            "gcm-intake",
            "--copyright-holder",
            "gcm-intake contributors",
            "-o",
            str(POT.relative_to(ROOT)),
            ".",
        )


@translate.command()
def update() -> None:
    """Merge new strings from the template into every locale's catalog."""
    for locale in LOCALES:
        po = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        command = "update" if po.exists() else "init"
        extra = ["--no-wrap", "--ignore-obsolete"] if command == "update" else ["--no-wrap"]
        _pybabel(command, "-i", str(POT), "-d", str(LOCALES_DIR), "-l", locale, *extra)
    fill_english(LOCALES_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.po")


@translate.command()
def compile() -> None:  # noqa: A001 - the pybabel verb
    """Compile every catalog to the .mo files shipped in the package."""
    _pybabel("compile", "-d", str(LOCALES_DIR), "--statistics")


def fill_english(po_path: Path) -> None:
    """English is the source language: its msgstr is its msgid."""
    from babel.messages.pofile import read_po, write_po

    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id  # never a fuzzy guess from a similar string
        message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=0)
