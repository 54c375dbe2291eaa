"""Encrypted model fields and the blind index (values encrypted at rest, PRODUCT §3)."""

from __future__ import annotations

from typing import Any

from django.db import models

from casework.crypto import DecryptionError, key_ring

__all__ = ["DecryptionError", "EncryptedCharField", "EncryptedTextField", "BlindIndexField"]


class EncryptedMixin:
    """Encrypt on the way to the database and decrypt on the way back.

    The associated data binds each ciphertext to "app_label.Model.field": a value copied to
    another column (or another model) will not decrypt. Historical copies made by
    django-simple-history keep the original binding because `aad` is set only once.
    """

    encrypted = True
    aad: str | None = None

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kw: Any):
        super().contribute_to_class(cls, name, *args, **kw)
        if self.aad is None and not cls._meta.abstract:
            self.aad = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression, connection) -> str | None:
        if value is None:
            return None
        return key_ring().decrypt(value, self.aad)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return key_ring().encrypt(str(value), self.aad)

    def get_lookup(self, lookup_name: str):
        if lookup_name != "isnull":
            return None  # no equality on ciphertext: it would never match
        return super().get_lookup(lookup_name)


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
