"""Bulk inserts that still record history and join the audit chain (for large demo data)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import Max
from simple_history.utils import bulk_create_with_history

from casework.audit.chain import link_rows

LINK_CHUNK = 2000


def chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_create_chained(objs: list, model, *, reason: str, user=None, batch_size: int = 1000):
    """bulk_create_with_history, then link the new history rows into the audit chain."""
    if not objs:
        return []
    history_model = model.history.model
    before = history_model.objects.aggregate(m=Max("history_id"))["m"] or 0
    created = bulk_create_with_history(
        objs, model, batch_size=batch_size, default_user=user, default_change_reason=reason
    )
    ids = list(
        history_model.objects.filter(history_id__gt=before)
        .order_by("history_id")
        .values_list("history_id", flat=True)
    )
    for part in chunks(ids, LINK_CHUNK):
        link_rows(history_model, list(part))
    return created
