"""Re-encrypt every encrypted value under the newest key (PRODUCT §5), bound to its row. Resumable.

It is also how values written before issue 9 (`mm1$…`, bound to app, model and field only)
are moved to row-bound ciphertext (`mm2$…`, bound to the row's row_key and, in history, its
history_date): run it once after `migrate`.

Usage: put the new key first in MIMAMORI_FIELD_KEYS (keep the old ones after it), run this,
check `verify_audit`, then drop the old keys. Each batch of rows is its own transaction and
only values not yet under the newest key are selected, so an interrupted run simply continues
when started again. Values are written with a plain UPDATE of the ciphertext: no save(), so no
new history rows, and the audit chain (which hashes decrypted content) stays valid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast, Left

from casework.audit.rows import encrypted_models, record_type_label
from casework.audit.triggers import rekey_allowed
from casework.crypto import PREFIX, UNBOUND_PREFIX, DecryptionError, KeyRing, key_ring
from casework.fields import ROW_KEY, bound_aad, is_history, row_bound

DEFAULT_BATCH = 500  # rows per transaction
MAX_REPORTED_FAILURES = 20


@dataclass
class ModelResult:
    rows: int = 0
    values: int = 0
    failures: list[str] = field(default_factory=list)


def _stored(f: models.Field) -> str:
    return f"mmkey_{f.attname}"


def needs_rekey(fields: list[models.Field], prefix: str) -> Q:
    """Rows with at least one stored value not under the newest key.

    Compared with `=` on a prefix rather than LIKE, which SQLite treats case-insensitively.
    """
    condition = Q()
    for f in fields:
        head = f"{_stored(f)}_head"
        condition |= Q(**{f"{_stored(f)}__isnull": False}) & ~Q(**{head: prefix})
    return condition


def stored_values(queryset: models.QuerySet, fields: list[models.Field], prefix: str):
    """The ciphertext of each field as text, and its first characters, without decrypting."""
    annotations = {}
    for f in fields:
        annotations[_stored(f)] = Cast(f.attname, output_field=TextField())
        annotations[f"{_stored(f)}_head"] = Left(_stored(f), len(prefix))
    return queryset.annotate(**annotations)


def rotate_batch(
    model: type[models.Model],
    fields: list[models.Field],
    ring: KeyRing,
    *,
    after_pk,
    batch_size: int,
    result: ModelResult,
):
    """Re-encrypt one batch of rows (pk > after_pk) in its own transaction; return the last pk."""
    prefix = f"{PREFIX if row_bound(model) else UNBOUND_PREFIX}${ring.current_kid}$"
    queryset = stored_values(model._base_manager.all(), fields, prefix).filter(
        needs_rekey(fields, prefix)
    )
    if after_pk is not None:
        queryset = queryset.filter(pk__gt=after_pk)
    names = [_stored(f) for f in fields]
    bound = row_bound(model)
    identity = [ROW_KEY] if bound else []
    version = ["history_date"] if bound and is_history(model) else []
    with transaction.atomic(), rekey_allowed():
        rows = list(
            queryset.order_by("pk").values_list("pk", *identity, *version, *names)[:batch_size]
        )
        updates: dict[tuple[str, ...], list[list]] = defaultdict(list)
        for pk, *rest in rows:
            row_key = rest.pop(0) if bound else None
            history_date = rest.pop(0) if version else None
            try:
                tokens = {
                    f.column: rebind(ring, token, f.aad, row_key, history_date)
                    for f, token in zip(fields, rest, strict=True)
                    if token is not None and not token.startswith(prefix)
                }
            except DecryptionError as exc:
                result.failures.append(f"{model._meta.label} pk={pk}: {exc}")
                continue
            updates[tuple(tokens)].append([*tokens.values(), pk])
            result.rows += 1
            result.values += len(tokens)
        write_tokens(model, updates)
    return rows[-1][0] if rows else None


def rebind(ring: KeyRing, token: str, base: str, row_key, history_date) -> str:
    """Decrypt (old unbound format too) and encrypt under the newest key, bound to the row
    (a model that has not adopted RowBound, row_key None: unbound, as before)."""
    if row_key is None:
        return ring.encrypt(ring.decrypt(token, base), base, prefix=UNBOUND_PREFIX)
    aad = bound_aad(base, row_key, history_date)
    if KeyRing.prefix_of(token) == UNBOUND_PREFIX:
        plain = ring.decrypt(token, base)
    else:
        plain = ring.decrypt(token, aad)
    return ring.encrypt(plain, aad)


def write_tokens(model: type[models.Model], updates: dict[tuple[str, ...], list[list]]) -> None:
    """Store new ciphertext as it is: a plain parameterised UPDATE per row (executemany).

    Not save() and not the field's get_prep_value (which would encrypt again): no signals, so
    no new history rows, and the audit chain, which hashes decrypted content, is unchanged.
    """
    quote = connection.ops.quote_name
    table, pk_column = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for columns, params in updates.items():
            assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",  # noqa: S608
                params,
            )


class Command(BaseCommand):
    help = "暗号化された値をすべて最新の鍵で暗号化し直します（中断しても再実行で続きから）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size は 1 以上にしてください。")
        ring = key_ring()
        self.stdout.write(f"最新の鍵 {ring.current_kid} で暗号化し直します。")
        total_rows = total_values = 0
        failures: list[str] = []
        for model, fields in encrypted_models():
            result = ModelResult()
            after = None
            while True:
                last = rotate_batch(
                    model, fields, ring, after_pk=after, batch_size=batch_size, result=result
                )
                if last is None:
                    break
                after = last
            self.stdout.write(
                f"  {record_type_label(model)}（{model._meta.label}）: "
                f"{result.rows} 行・{result.values} 値"
            )
            total_rows += result.rows
            total_values += result.values
            failures += result.failures
        self.stdout.write(
            f"合計: {total_rows} 行・{total_values} 値を"
            f"鍵 {ring.current_kid} で暗号化し直しました。"
        )
        if failures:
            for line in failures[:MAX_REPORTED_FAILURES]:
                self.stderr.write(f"  復号できません: {line}")
            if len(failures) > MAX_REPORTED_FAILURES:
                self.stderr.write(f"  ほか {len(failures) - MAX_REPORTED_FAILURES} 件")
            raise CommandError(
                f"{len(failures)} 行を復号できませんでした（上記）。鍵の設定を確認してください。"
            )
