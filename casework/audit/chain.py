"""Tamper evidence for django-simple-history rows.

Each history row gets one AuditLink: an HMAC (audit key) over the row's canonical content and
the previous link's MAC, numbered without gaps. Links are added under a lock on the single
ChainHead row, so concurrent writers cannot fork the chain. The canonical content uses the
decrypted values, so re-encryption under a new key (rotate_field_keys) keeps the chain valid,
while any edit of a value, a deletion or an insertion outside the application breaks it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models, transaction

from casework.crypto import audit_key

GENESIS = "0" * 64


def history_models() -> list[type[models.Model]]:
    """Every historical model in the project (simple-history registers them)."""
    return [
        m
        for m in apps.get_models()
        if hasattr(m, "instance_type") and m.__name__.startswith("Historical")
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def canonical_fields(model: type[models.Model]) -> list[str]:
    return sorted(f.attname for f in model._meta.concrete_fields)


def canonical(values: dict[str, Any]) -> str:
    """Stable JSON of a history row's values (keys sorted, UTC times)."""
    return json.dumps(
        {k: _plain(v) for k, v in values.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def compute_mac(seq: int, label: str, history_id: int, prev_mac: str, content: str) -> str:
    message = f"{seq}\x1f{label}\x1f{history_id}\x1f{prev_mac}\x1f{content}".encode()
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def fetch_contents(model: type[models.Model], ids: Iterable[int]) -> dict[int, str]:
    """Canonical content of the given history rows, read back from the database (decrypted)."""
    fields = canonical_fields(model)
    rows = model._default_manager.filter(pk__in=list(ids)).values(*fields)
    pk_name = model._meta.pk.attname
    return {row[pk_name]: canonical(row) for row in rows}


@transaction.atomic
def link_rows(model: type[models.Model], ids: list[int]) -> None:
    """Append links for history rows of one model, in id order, under the chain-head lock."""
    from casework.models import AuditLink, ChainHead

    if not ids:
        return
    head = ChainHead.objects.select_for_update().get(pk=1)
    contents = fetch_contents(model, ids)
    label = model._meta.label
    links = []
    seq, mac = head.seq, head.mac or GENESIS
    for history_id in sorted(contents):
        seq += 1
        mac = compute_mac(seq, label, history_id, mac, contents[history_id])
        links.append(AuditLink(seq=seq, history_label=label, history_id=history_id, mac=mac))
    AuditLink.objects.bulk_create(links, batch_size=2000)
    head.seq, head.mac = seq, mac
    head.save(update_fields=["seq", "mac"])


def link_history_instance(history_instance: models.Model) -> None:
    link_rows(type(history_instance), [history_instance.pk])


@dataclass
class Problem:
    seq: int | None
    label: str
    history_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"link #{self.seq}" if self.seq is not None else "unlinked row"
        return f"{where} {self.label} id={self.history_id}: {self.message}"


def verify(batch_size: int = 5000) -> Iterator[Problem]:
    """Recompute the chain; yield every problem, in chain order, then unlinked rows."""
    from casework.models import AuditLink, ChainHead

    models_by_label = {m._meta.label: m for m in history_models()}
    expected_seq, prev_mac = 1, GENESIS
    linked: dict[str, set[int]] = {label: set() for label in models_by_label}
    last_seq = 0
    while True:
        batch = list(AuditLink.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch_size])
        if not batch:
            break
        contents: dict[str, dict[int, str]] = {}
        for label in {link.history_label for link in batch}:
            model = models_by_label.get(label)
            ids = [link.history_id for link in batch if link.history_label == label]
            contents[label] = fetch_contents(model, ids) if model else {}
        for link in batch:
            if link.seq != expected_seq:
                yield Problem(expected_seq, link.history_label, None, "link missing (deleted)")
            linked.setdefault(link.history_label, set()).add(link.history_id)
            content = contents[link.history_label].get(link.history_id)
            if content is None:
                yield Problem(link.seq, link.history_label, link.history_id, "history row deleted")
            elif (
                compute_mac(link.seq, link.history_label, link.history_id, prev_mac, content)
                != link.mac
            ):
                yield Problem(link.seq, link.history_label, link.history_id, "history row altered")
            prev_mac, expected_seq, last_seq = link.mac, link.seq + 1, link.seq
    head = ChainHead.objects.filter(pk=1).first()
    if head is None or head.seq != last_seq or (head.mac or GENESIS) != prev_mac:
        yield Problem(last_seq, "casework.ChainHead", None, "chain head does not match")
    for label, model in models_by_label.items():
        ids = model._default_manager.values_list("pk", flat=True).iterator(chunk_size=10000)
        for history_id in ids:
            if history_id not in linked.get(label, set()):
                yield Problem(None, label, history_id, "history row not in the chain (inserted)")
