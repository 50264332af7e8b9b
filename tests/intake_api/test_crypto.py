"""Pseudonyms and encryption: stable, keyed and tamper-evident."""

from __future__ import annotations

import pytest

from intake_api.crypto import KeyRing
from intake_api.receipts import new_receipt, normalise_receipt


def test_pseudonym_is_stable_per_channel_and_key():
    keys = KeyRing("one secret")
    assert keys.pseudonym("telegram", 42) == keys.pseudonym("telegram", "42")
    assert keys.pseudonym("telegram", 42) != keys.pseudonym("slack", 42)
    assert keys.pseudonym("telegram", 42) != KeyRing("another secret").pseudonym("telegram", 42)
    assert "42" not in keys.pseudonym("telegram", 42)


def test_encryption_round_trip_and_context_binding():
    keys = KeyRing("one secret")
    sealed = keys.encrypt("a@example.org", context="input.contact_email")
    assert b"example" not in sealed
    assert keys.decrypt(sealed, context="input.contact_email") == "a@example.org"
    assert keys.encrypt("a@example.org", context="x") != keys.encrypt("a@example.org", context="x")
    with pytest.raises(ValueError):
        keys.decrypt(sealed, context="pledge.contact_email")
    with pytest.raises(ValueError):
        KeyRing("another secret").decrypt(sealed, context="input.contact_email")
    with pytest.raises(ValueError):
        keys.decrypt(sealed[:-1] + bytes([sealed[-1] ^ 1]), context="input.contact_email")


def test_receipts_are_readable_and_forgiving():
    code = new_receipt("input")
    assert code.startswith("IN-") and len(code) == 12
    assert not set(code[3:].replace("-", "")) & set("ILOU")
    assert normalise_receipt(code.lower().replace("-", " ")) == code
    assert normalise_receipt("in-0o11-lIab") == "IN-0011-11AB"
