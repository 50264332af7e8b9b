"""Cache validators for the Hub's pages that are known before a page is built.

A page that reads only pledges, practices and reviews is the same until the public version
changes (``models.public_version``: the database adds one with every change to those
tables) or a new release changes the code, templates or translations that render it. Its
``ETag`` is a digest of both and of the address, so a conditional request is answered
after reading one row, and an item unpublished a moment ago is never revalidated as fresh:
its change moved the version in the same transaction.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from sqlalchemy import Engine

from models import public_version

# What renders a page: the packages' code, templates, stylesheets and compiled catalogs.
_RENDERING_PACKAGES = ("intake_api", "models", "locales")
_RENDERING_SUFFIXES = (".py", ".html", ".xml", ".css", ".js", ".svg", ".mo", ".json", ".tsv")


@cache
def build() -> str:
    """A digest of the files that render the pages: the same in every worker and host of one
    release, and different after any change to them."""
    digest = hashlib.sha256()
    for package in _RENDERING_PACKAGES:
        root = resources.files(package)
        for entry in sorted(_files(root), key=lambda item: item[0]):
            name, data = entry
            digest.update(f"{package}/{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()[:16]


def _files(folder: resources.abc.Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                found.extend(_files(entry, f"{name}/"))
        elif entry.name.endswith(_RENDERING_SUFFIXES):
            found.append((name, entry.read_bytes()))
    return found


def current_version(engine: Engine) -> int | None:
    """The public version now; None where the store has none (validate by content then).

    Read outside a transaction: one statement sees one snapshot anyway, and on PostgreSQL
    a transaction's BEGIN and ROLLBACK would be two of the four round trips of a 304.
    """
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        return public_version.current(connection)


def page_etag(version: int, address: str) -> str:
    """The validator of the page at ``address`` (path and query string) at ``version``."""
    digest = hashlib.sha256(f"{build()}\0{version}\0{address}".encode())
    return f"v{version}-{digest.hexdigest()[:20]}"
