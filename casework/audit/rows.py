"""Read stored rows without trusting them: ciphertext as text, decrypted one value at a time.

`from_db_value` decrypts a whole query's worth of values and fails the query on the first bad
one. Audit code must keep going (report the bad row, show the rest), and rotation needs the
ciphertext itself, so these helpers read encrypted columns through a plain text cast.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from casework.crypto import UNBOUND_PREFIX, DecryptionError, KeyRing, key_ring
from casework.fields import ROW_KEY, decrypt_stored, is_history


class Unreadable:
    """Stands in for a value that could not be decrypted (tampered, or its key is missing)."""

    __slots__ = ("error", "missing_key")

    def __init__(self, error: DecryptionError, *, missing_key: bool = False) -> None:
        self.error = error
        self.missing_key = missing_key  # the key id is not configured: not evidence of tampering

    def __eq__(self, other: object) -> bool:
        return False  # an unreadable value never equals anything, not even itself

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Unreadable({self.error})"


def is_encrypted(field: models.Field) -> bool:
    return bool(getattr(field, "encrypted", False))


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if is_encrypted(f)]


def encrypted_models() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every concrete model with an encrypted column, historical models included."""
    found = []
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if fields and not model._meta.proxy and model._meta.managed:
            found.append((model, fields))
    return found


def record_type_label(model: type[models.Model]) -> str:
    """「児童」, or 「児童（履歴）」 for its simple-history table."""
    original = getattr(model, "instance_type", None)
    if original is not None:
        return f"{original._meta.verbose_name}（履歴）"
    return str(model._meta.verbose_name)


def _alias(field: models.Field) -> str:
    return f"mmraw_{field.attname}"


def with_ciphertext(queryset: models.QuerySet, fields: Iterable[models.Field]) -> models.QuerySet:
    """Annotate each encrypted field's stored text (no decryption) as `mmraw_<attname>`."""
    return queryset.annotate(
        **{_alias(f): Cast(f.attname, output_field=models.TextField()) for f in fields}
    )


def decrypt_or_mark(
    ring: KeyRing, token: str | None, field: models.Field, row: dict[str, Any]
) -> str | Unreadable | None:
    """Decrypt one stored value with its row's associated data (row_key, history_date)."""
    if token is None:
        return None
    try:
        return decrypt_stored(
            ring,
            token,
            field.aad,
            row.get(_ROW_ALIAS),
            row.get(_VERSION_ALIAS),
            bound=_ROW_ALIAS in row,  # a model that has not adopted RowBound: unbound format
        )
    except DecryptionError as exc:
        kid = KeyRing.kid_of(token)
        known = {candidate for candidate, _key in ring.keys}
        # A missing key, or a value not yet bound to its row (rotate_field_keys binds it):
        # unverifiable until the operator acts, not evidence of tampering.
        unbound = KeyRing.prefix_of(token) == UNBOUND_PREFIX and _ROW_ALIAS in row
        return Unreadable(exc, missing_key=unbound or (kid is not None and kid not in known))


_ROW_ALIAS = "mmrow_key"
_VERSION_ALIAS = "mmrow_version"


def with_row_identity(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate what each row's ciphertext is bound to: row_key, and history_date in history."""
    model = queryset.model
    names = {f.name for f in model._meta.concrete_fields}
    annotations = {}
    if ROW_KEY in names:
        annotations[_ROW_ALIAS] = models.F(ROW_KEY)
    if ROW_KEY in names and is_history(model):
        annotations[_VERSION_ALIAS] = models.F("history_date")
    return queryset.annotate(**annotations), list(annotations)


def read_values(queryset: models.QuerySet, attnames: Iterable[str]) -> list[dict[str, Any]]:
    """Like `.values(*attnames)`, but a value that fails to decrypt becomes `Unreadable`."""
    model = queryset.model
    wanted = list(attnames)
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    secret = [by_attname[name] for name in wanted if is_encrypted(by_attname[name])]
    plain = [name for name in wanted if not is_encrypted(by_attname[name])]
    ring = key_ring()
    rows = []
    queryset, identity = with_row_identity(with_ciphertext(queryset, secret))
    for row in queryset.values(*plain, *(_alias(f) for f in secret), *identity):
        for field in secret:
            row[field.attname] = decrypt_or_mark(ring, row.pop(_alias(field)), field, row)
        row.pop(_ROW_ALIAS, None)
        row.pop(_VERSION_ALIAS, None)
        rows.append(row)
    return rows
