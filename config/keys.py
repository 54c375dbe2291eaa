"""Key material: parse the key ring, generate demo keys once, refuse weak production keys."""

from __future__ import annotations

import base64
import binascii
import math
import secrets
from collections import Counter
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32


def parse_field_key(entry: str) -> tuple[str, bytes]:
    """Parse one `MIMAMORI_FIELD_KEYS` entry, `<key id>:<base64 of 32 bytes>`."""
    kid, sep, encoded = entry.strip().partition(":")
    if not sep or not kid or not kid.isalnum() or len(kid) > 16:
        raise ImproperlyConfigured(
            "MIMAMORI_FIELD_KEYS entries must look like '<key id>:<base64 key>' "
            "with an alphanumeric key id of at most 16 characters."
        )
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"Field key {kid!r} is not valid base64.") from exc
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"Field key {kid!r} must be {KEY_BYTES} bytes (AES-256).")
    return kid, key


def decode_secret(value: str, name: str) -> bytes:
    """Decode a base64 secret of at least 32 bytes (blind index and audit keys)."""
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} is not valid base64.") from exc
    if len(key) < KEY_BYTES:
        raise ImproperlyConfigured(f"{name} must be at least {KEY_BYTES} bytes.")
    return key


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def new_field_key_entry() -> str:
    return f"{secrets.token_hex(4)}:{new_key()}"


def ensure_demo_keys(path: Path) -> dict[str, str]:
    """Create the demo's own keys once (git-ignored var/), then always reuse them."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "MIMAMORI_FIELD_KEYS": new_field_key_entry(),
            "MIMAMORI_BLIND_INDEX_KEY": new_key(),
            "MIMAMORI_AUDIT_KEY": new_key(),
        }
        path.write_text("".join(f"{k}={v}\n" for k, v in lines.items()), encoding="utf-8")
        path.chmod(0o600)
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep:
            values[name.strip()] = value.strip()
    return values


SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 10
SECRET_KEY_MIN_BITS_PER_CHAR = 3.0
SECRET_KEY_MAX_RUN = 8


def secret_key_problem(secret_key: str) -> str | None:
    """Why a Django secret key is not a real random secret, or None.

    Length alone let `"a" * 60` through. Refused: fewer than 50 characters; fewer than 10
    different characters; less than 3 bits of Shannon entropy per character (a random key of
    hex digits has about 3.8, of `secrets.token_urlsafe` about 5.5); a sequence of 8
    characters that appears twice (a pattern repeated); a run of 8 characters that are the same
    or consecutive (`aaaaaaaa`, `abcdefgh`, `98765432`); the words "insecure" or "test"."""
    key = secret_key or ""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it has fewer than {SECRET_KEY_MIN_LENGTH} characters"
    if "insecure" in key or "test" in key:
        return 'it contains "insecure" or "test"'
    counts = Counter(key)
    if len(counts) < SECRET_KEY_MIN_DISTINCT:
        return f"it has fewer than {SECRET_KEY_MIN_DISTINCT} different characters"
    bits = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    if bits < SECRET_KEY_MIN_BITS_PER_CHAR:
        return (
            f"its characters carry {bits:.1f} bits of entropy each "
            f"(at least {SECRET_KEY_MIN_BITS_PER_CHAR:.0f} needed)"
        )
    width = SECRET_KEY_MAX_RUN
    seen: set[str] = set()
    for i in range(len(key) - width + 1):
        chunk = key[i : i + width]
        if chunk in seen:
            return f"the sequence {chunk!r} appears twice"
        seen.add(chunk)
        steps = {ord(b) - ord(a) for a, b in zip(chunk, chunk[1:], strict=False)}
        if steps in ({0}, {1}, {-1}):
            return f"it contains the run {chunk!r}"
    return None


def validate_production_keys(
    *, secret_key: str, field_keys: list[str], blind_index_key: str, audit_key: str
) -> None:
    """Production refuses to start without real, distinct keys."""
    problem = secret_key_problem(secret_key)
    if problem:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY must be a long random secret, and this one is not: {problem}. "
            "Generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if not field_keys:
        raise ImproperlyConfigured("MIMAMORI_FIELD_KEYS is required in production.")
    raw = [parse_field_key(entry)[1] for entry in field_keys]
    if not blind_index_key or not audit_key:
        raise ImproperlyConfigured(
            "MIMAMORI_BLIND_INDEX_KEY and MIMAMORI_AUDIT_KEY are required in production."
        )
    blind = decode_secret(blind_index_key, "MIMAMORI_BLIND_INDEX_KEY")
    audit = decode_secret(audit_key, "MIMAMORI_AUDIT_KEY")
    if blind in raw or audit in raw or blind == audit:
        raise ImproperlyConfigured("Encryption, blind-index and audit keys must all differ.")
