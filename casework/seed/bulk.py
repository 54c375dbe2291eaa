"""Bulk inserts for demo data that still record history and join the audit chain."""

from __future__ import annotations

from casework.audit import chain


def bulk_create_chained(objs: list, model, *, reason: str, user=None, batch_size: int = 1000):
    """Seed-friendly spelling of casework.audit.chain.bulk_create_chained."""
    if not objs:
        return []
    return chain.bulk_create_chained(
        objs, model, batch_size=batch_size, default_user=user, default_change_reason=reason
    )
