"""The key ring: AES-256-GCM with a random nonce, key ids, associated data; fails closed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass, field
from functools import cache

import jaconv
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.keys import decode_secret, parse_field_key

PREFIX = "mm2"  # bound to its row (casework/fields.py)
UNBOUND_PREFIX = "mm1"  # before issue 9: bound to app, model and field only
PREFIXES = (PREFIX, UNBOUND_PREFIX)
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong or missing key, or tampered data."""


@dataclass(frozen=True, repr=False)
class KeyRing:
    """Keys newest first; the first encrypts, all decrypt.

    It never shows a key: repr and str name the key ids only, so a traceback, a log line or
    Django's debug 500 page (which prints local variables) cannot leak key material.
    """

    keys: tuple[tuple[str, bytes], ...] = field(repr=False)

    def __repr__(self) -> str:
        return f"KeyRing(key ids: {', '.join(kid for kid, _key in self.keys)})"

    __str__ = __repr__

    @property
    def current_kid(self) -> str:
        return self.keys[0][0]

    def key_for(self, kid: str) -> bytes:
        for candidate, key in self.keys:
            if candidate == kid:
                return key
        raise DecryptionError(
            f"暗号鍵 {kid!r} が設定されていません（MIMAMORI_FIELD_KEYS を確認してください）。"
        )

    def encrypt(self, plaintext: str, aad: str, prefix: str = PREFIX) -> str:
        kid, key = self.keys[0]
        nonce = os.urandom(NONCE_BYTES)
        ct = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
        return f"{prefix}${kid}${base64.b64encode(nonce + ct).decode('ascii')}"

    def decrypt(self, token: str, aad: str) -> str:
        try:
            prefix, kid, body = token.split("$", 2)
        except ValueError as exc:
            raise DecryptionError(f"{aad}: 暗号化されていない値です。") from exc
        if prefix not in PREFIXES:
            raise DecryptionError(f"{aad}: 未知の暗号形式です。")
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError(f"{aad}: 暗号文が壊れています。") from exc
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError(f"{aad}: 暗号文が短すぎます（壊れています）。")
        nonce, ct = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        try:
            plain = AESGCM(self.key_for(kid)).decrypt(nonce, ct, aad.encode("utf-8"))
        except InvalidTag as exc:
            raise DecryptionError(f"{aad}: 復号できません（鍵違い、または改ざん）。") from exc
        return plain.decode("utf-8")

    @staticmethod
    def kid_of(token: str) -> str | None:
        parts = token.split("$", 2)
        return parts[1] if len(parts) == 3 and parts[0] in PREFIXES else None

    @staticmethod
    def prefix_of(token: str) -> str:
        return token.split("$", 1)[0]


@cache
def _ring_for(entries: tuple[str, ...]) -> KeyRing:
    if not entries:
        raise ImproperlyConfigured("MIMAMORI_FIELD_KEYS is empty: no key to encrypt with.")
    return KeyRing(tuple(parse_field_key(entry) for entry in entries))


def key_ring() -> KeyRing:
    """The ring for the current settings (cached per key list, so tests may override)."""
    return _ring_for(tuple(settings.MIMAMORI_FIELD_KEYS))


@cache
def _secret(value: str, name: str) -> bytes:
    return decode_secret(value, name)


def blind_index_key() -> bytes:
    return _secret(settings.MIMAMORI_BLIND_INDEX_KEY, "MIMAMORI_BLIND_INDEX_KEY")


def audit_key() -> bytes:
    return _secret(settings.MIMAMORI_AUDIT_KEY, "MIMAMORI_AUDIT_KEY")


def normalize_kana(value: str) -> str:
    """NFKC, katakana to hiragana, no spaces: 「ヤマダ　タロウ」 and 「やまだたろう」 match."""
    text = unicodedata.normalize("NFKC", value or "")
    text = jaconv.kata2hira(text)
    return "".join(text.split()).lower()


def blind_index(*parts: str) -> str:
    """HMAC-SHA256 under the blind-index key over normalised parts, hex."""
    message = "\x1f".join(normalize_kana(part) for part in parts).encode("utf-8")
    return hmac.new(blind_index_key(), message, hashlib.sha256).hexdigest()
