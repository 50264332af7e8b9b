"""Receipt codes people can read aloud, type on a phone and quote in an e-mail."""

from __future__ import annotations

import secrets

from intake_api.record_kinds import kind_named

# Crockford's base32: no I, L, O or U, so codes survive being read aloud or retyped.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def new_receipt(kind: str) -> str:
    """A fresh code such as ``IN-7K3M-9QXR`` (40 random bits)."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{kind_named(kind).receipt_prefix}-{body[:4]}-{body[4:]}"


def normalise_receipt(typed: str) -> str:
    """Accept what a person types: any case, spaces, confusable letters."""
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum())
    prefix, body = cleaned[:2], cleaned[2:].translate(_CONFUSABLE)
    if len(body) != 8:
        return typed.strip().upper()
    return f"{prefix}-{body[:4]}-{body[4:]}"
