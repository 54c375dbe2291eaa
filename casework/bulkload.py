"""COPY for bulk loads on PostgreSQL: the seed's millions of rows without building INSERTs.

`copy_create(model, objs)` does what `bulk_create` does for new rows — the same `pre_save`
and `get_db_prep_save` of every field (so encrypted fields encrypt, bound to their row, and
`auto_now_add` fills in) — but takes the primary keys from the table's sequence first and
streams the rows with COPY. No signals, like `bulk_create`. On other databases it is
`bulk_create`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router

COPY_CHUNK = 5000  # keys taken from the sequence per round trip


def copy_supported(model: type[models.Model]) -> bool:
    connection = connections[router.db_for_write(model)]
    return connection.vendor == "postgresql" and not any(
        f.has_db_default() or f.generated for f in model._meta.concrete_fields
    )


def copy_create[M: models.Model](model: type[M], objs: Sequence[M]) -> list[M]:
    """Insert new (unsaved) instances; each gets its primary key. Returns them."""
    objs = list(objs)
    if not objs:
        return objs
    if not copy_supported(model):
        return model._default_manager.bulk_create(objs)
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    _take_keys(connection, meta, [o for o in objs if o.pk is None])
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    columns = ", ".join(quote(f.column) for f in fields)
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    # Django's exceptions (IntegrityError…), as from any query: callers catch those.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        _copy_rows(cursor.cursor, statement, objs, fields, connection)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs


def _copy_rows(cursor, statement: str, objs, fields, connection) -> None:
    with cursor.copy(statement) as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def _take_keys(connection, meta, objs: list[models.Model]) -> None:
    pk = meta.pk
    sql = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), COPY_CHUNK):
            part = objs[start : start + COPY_CHUNK]
            cursor.execute(sql, [meta.db_table, pk.column, len(part)])
            for obj, (key,) in zip(part, cursor.fetchall(), strict=True):
                setattr(obj, pk.attname, key)
