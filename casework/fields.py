"""Encrypted model fields and the blind index (values encrypted at rest, PRODUCT §3).

Every ciphertext is bound to its row (issue 9). The associated data names the app, model and
field *and the row's own identity*: `row_key`, a UUID every model with encrypted fields gets
from `RowBound` and that exists before the first save. A history row (django-simple-history)
keeps the row_key of its object and adds its own `history_date`. So a value copied to another
row, another column or another model, or put back from the history into the live row (or
from one version into another), fails to decrypt, loudly.

How: `pre_save` hands the value over with its associated data (`Bound`); `from_db_value` keeps
the ciphertext as it is (`Sealed`), and `decrypt_row` (a post_init receiver) decrypts once the
whole row, with its row_key, is on the instance. Reads that bypass model instances
(`.values()`) get `Sealed` ciphertext, never plaintext: audit and rotation code reads through
casework/audit/rows.py, which decrypts with each row's own data.

A new model with encrypted fields: inherit `RowBound` (before models.Model) and use
EncryptedCharField / EncryptedTextField; its migration adds `row_key` with `default=uuid.uuid4`
(for a table with rows already, see casework/migrations/0009 for the fill). The system check
`mimamori.W001` warns of a model with encrypted fields and no row_key (its values stay in
the unbound format until it adopts RowBound).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.crypto import PREFIX, UNBOUND_PREFIX, DecryptionError, KeyRing, key_ring

__all__ = [
    "DecryptionError",
    "EncryptedCharField",
    "EncryptedTextField",
    "BlindIndexField",
    "RowBound",
]

ROW_KEY = "row_key"


class RowBound(models.Model):
    """Gives each row the identity its ciphertexts are bound to (see the module docstring)."""

    row_key = models.UUIDField(_("行の識別子"), default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class Bound(str):
    """A plaintext on its way to the database, with the associated data of its row."""

    aad: str

    def __new__(cls, value: str, aad: str) -> Bound:
        obj = super().__new__(cls, value)
        obj.aad = aad
        return obj


class Sealed(str):
    """Ciphertext read from the database, waiting for its row to be decrypted."""


def is_history(model: type[models.Model]) -> bool:
    return getattr(model, "instance_type", None) is not None


def bound_aad(base: str, row_key: Any, history_date: datetime | None = None) -> str:
    """The associated data of one value: field, row, and for a history row its version."""
    if row_key is None:
        raise DecryptionError(f"{base}: 行の識別子（row_key）がありません。")
    key = row_key.hex if isinstance(row_key, uuid.UUID) else str(row_key).replace("-", "")
    aad = f"{base}|row={key}"
    if history_date is not None:
        aad += f"|version={history_date.astimezone(UTC).isoformat()}"
    return aad


def row_bound(model: type[models.Model]) -> bool:
    """Has the model adopted RowBound? (Until it does, its values stay in the unbound format,
    and the check mimamori.W001 says so.)"""
    return any(f.name == ROW_KEY for f in model._meta.concrete_fields)


def decrypt_stored(
    ring: KeyRing,
    token: str,
    base: str,
    row_key: Any,
    history_date: datetime | None,
    *,
    bound: bool = True,
) -> str:
    """Decrypt a stored token with the associated data its format calls for."""
    if KeyRing.prefix_of(token) == UNBOUND_PREFIX:
        if bound and not getattr(settings, "MIMAMORI_ACCEPT_UNBOUND_CIPHERTEXT", False):
            raise DecryptionError(
                f"{base}: 行に結び付いていない古い暗号文です"
                "（rotate_field_keys で移行してください）。"
            )
        return ring.decrypt(token, base)
    return ring.decrypt(token, bound_aad(base, row_key, history_date))


class EncryptedMixin:
    """Encrypt on the way to the database and decrypt on the way back (bound to the row).

    `aad` ("app_label.Model.field") is set once, on the original model: the historical copy
    made by django-simple-history keeps it and adds its version (history_date).
    """

    encrypted = True
    aad: str | None = None

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kw: Any):
        super().contribute_to_class(cls, name, *args, **kw)
        if self.aad is None and not cls._meta.abstract:
            self.aad = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def get_internal_type(self) -> str:
        return "TextField"

    def row_aad(self, instance: models.Model) -> str:
        history_date = instance.history_date if is_history(type(instance)) else None
        return bound_aad(self.aad, getattr(instance, ROW_KEY), history_date)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if value is None or isinstance(value, Sealed) or not row_bound(type(model_instance)):
            return value
        return Bound(str(value), self.row_aad(model_instance))

    def from_db_value(self, value: str | None, expression, connection) -> str | None:
        if value is None:
            return None
        return Sealed(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        if isinstance(value, Sealed):
            return str(value)  # never decrypted (e.g. a deferred copy): stored as it was
        if not isinstance(value, Bound):
            # No row in sight (a migration's default for existing rows, QuerySet.update()):
            # the old unbound format, which reads refuse until rotate_field_keys binds it.
            return key_ring().encrypt(str(value), self.aad, prefix=UNBOUND_PREFIX)
        return key_ring().encrypt(str(value), value.aad, prefix=PREFIX)

    def get_lookup(self, lookup_name: str):
        if lookup_name != "isnull":
            return None  # no equality on ciphertext: it would never match
        return super().get_lookup(lookup_name)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        model = self.model
        if not model._meta.abstract and not row_bound(model):
            errors.append(
                checks.Warning(
                    f"{model._meta.label} has encrypted fields but no row_key: its values are "
                    "bound to the field only, so they can be swapped between rows.",
                    hint="Inherit casework.fields.RowBound (issue 9: row-bound ciphertext).",
                    obj=self,
                    id="mimamori.W001",
                )
            )
        return errors


def decrypt_row(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """post_init: decrypt the sealed values of a row read from the database."""
    sealed = [
        f
        for f in instance._meta.concrete_fields
        if getattr(f, "encrypted", False) and type(instance.__dict__.get(f.attname)) is Sealed
    ]
    if not sealed:
        return
    ring = key_ring()
    bound = row_bound(type(instance))
    for f in sealed:
        instance.__dict__[f.attname] = decrypt_stored(
            ring,
            instance.__dict__[f.attname],
            f.aad,
            getattr(instance, ROW_KEY) if bound else None,
            instance.history_date if bound and is_history(type(instance)) else None,
            bound=bound,
        )


class EncryptedTextField(EncryptedMixin, models.TextField):
    """Free text (narratives, notes), encrypted."""


class EncryptedCharField(EncryptedMixin, models.TextField):
    """Short values (names, phone numbers, addresses), encrypted; max_length checks plaintext."""

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        self.plain_max_length = max_length
        super().__init__(*args, **kwargs)
        if max_length:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length:
            kwargs["max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any):
        from django import forms

        defaults = {"form_class": forms.CharField, "max_length": self.plain_max_length}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class BlindIndexField(models.CharField):
    """Hex HMAC of normalised values, for exact-match search without decrypting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)


def fill_row_keys(app_label: str, *model_names: str):
    """A migration operation: give every existing row (and its history rows) a row_key.

    Run between adding `row_key` as nullable and making it required: a column default would
    give every existing row the same value. History rows take their object's key, so they
    stay bound to the same row. On PostgreSQL the history tables refuse UPDATE, except
    through the rekey escape (casework/audit/triggers.py), which this uses.
    """
    from django.db import migrations

    def fill(apps, schema_editor) -> None:
        connection = schema_editor.connection
        quote = connection.ops.quote_name
        postgres = connection.vendor == "postgresql"
        random = "gen_random_uuid()" if postgres else "lower(hex(randomblob(16)))"
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("SELECT set_config('mimamori.rekey', 'on', true)")
            for name in model_names:
                table = quote(apps.get_model(app_label, name)._meta.db_table)
                history = quote(apps.get_model(app_label, f"Historical{name}")._meta.db_table)
                cursor.execute(f"UPDATE {table} SET row_key = {random} WHERE row_key IS NULL")  # noqa: S608
                cursor.execute(
                    f"UPDATE {history} SET row_key = (SELECT t.row_key FROM {table} t "  # noqa: S608
                    f"WHERE t.id = {history}.id) WHERE row_key IS NULL"
                )
                cursor.execute(f"UPDATE {history} SET row_key = {random} WHERE row_key IS NULL")  # noqa: S608
            if postgres:
                cursor.execute("SELECT set_config('mimamori.rekey', 'off', true)")

    return migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)
