"""Pseudonyms for platform ids and authenticated encryption for contact details.

Both keys are derived from ``INTAKE_SECRET_KEY`` with HKDF under distinct labels,
so one secret serves both purposes without one key doing two jobs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_FORMAT_V1 = b"\x01"
_NONCE_BYTES = 12
# Digits a person may type for base32 letters that look alike.
_BASE32_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        secret.encode("utf-8")
    )


class KeyRing:
    """Keys of one deployment; losing the secret orphans pseudonyms and encrypted data."""

    def __init__(self, secret_key: str) -> None:
        self._pseudonym_key = _derive(secret_key, b"gcm-intake pseudonym v1")
        self._access_key = _derive(secret_key, b"gcm-intake access-code v1")
        self._fingerprint_key = _derive(secret_key, b"gcm-intake answers-fingerprint v1")
        self._aead = AESGCM(_derive(secret_key, b"gcm-intake contact-encryption v1"))

    def pseudonym(self, channel: str, platform_id: str | int) -> str:
        """A stable, non-reversible id for a platform user (keyed HMAC-SHA256, hex)."""
        message = f"{channel}:{platform_id}".encode()
        return hmac.new(self._pseudonym_key, message, hashlib.sha256).hexdigest()

    def fingerprint(self, data: bytes) -> str:
        """A keyed digest of what was sent (HMAC-SHA256, hex): equal data, equal digest.

        Keyed, so the store cannot be used to confirm a guess of what someone wrote.
        """
        return hmac.new(self._fingerprint_key, data, hashlib.sha256).hexdigest()

    def access_code(self, receipt: str) -> str:
        """The code that, with the receipt, lets its holder see or erase one record.

        Derived rather than stored: a retried form post gets the same code, and
        nothing in the store lets anyone recompute it without the secret key.
        80 bits, so it cannot be guessed within the rate limit.
        """
        digest = hmac.new(self._access_key, receipt.encode(), hashlib.sha256).digest()
        code = base64.b32encode(digest[:10]).decode()
        return "-".join(code[i : i + 4] for i in range(0, 16, 4))

    def access_code_matches(self, receipt: str, typed: str) -> bool:
        cleaned = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_BASE32_LOOKALIKES)
        expected = self.access_code(receipt).replace("-", "")
        return hmac.compare_digest(cleaned.encode(), expected.encode())

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """Encrypt with AES-256-GCM; ``context`` binds the ciphertext to its column."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        return _FORMAT_V1 + nonce + sealed

    def decrypt(self, token: bytes, *, context: str) -> str:
        if not token.startswith(_FORMAT_V1):
            raise ValueError("unknown ciphertext format")
        nonce = token[1 : 1 + _NONCE_BYTES]
        try:
            plain = self._aead.decrypt(nonce, token[1 + _NONCE_BYTES :], context.encode())
        except InvalidTag as exc:
            raise ValueError("ciphertext does not match this key or column") from exc
        return plain.decode("utf-8")
