"""Tamper evidence for django-simple-history rows and the access log.

Each chained row (every history row, every access-log entry) gets one AuditLink: an HMAC (audit
key) over the row's canonical content and the previous link's MAC, numbered without gaps. The
canonical content uses the decrypted values, so re-encryption under a new key
(rotate_field_keys) keeps the chain valid, while any edit of a value or a deletion breaks it.

Sealing is not part of the business transaction. A transaction only writes its rows; the
signals (casework/audit/signals.py) note them, and right after commit `seal()` links them in a
short transaction of its own, under the lock on the single ChainHead row (so concurrent sealers
cannot fork the chain, and no writer waits for another writer's whole transaction). Rows of a
process that died before sealing are picked up by the sweep (`seal()` with no rows) that
`run_reminders` and `verify_audit` run; one left unsealed longer than
MIMAMORI_AUDIT_UNSEALED_MAX_SECONDS is a finding. Each new head goes to the witness
(casework/audit/witness.py) outside the database, which catches a cut tail or a rewound head.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, connections, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from casework.audit.rows import Unreadable, read_values
from casework.audit.witness import Checkpoint, read_checkpoints, record_head
from casework.bulkload import copy_create, copy_supported
from casework.crypto import audit_key

GENESIS = "0" * 64
logger = logging.getLogger("mimamori.audit")
READ_CHUNK = 500  # ids per IN (...) list: well under SQLite's bound-parameter limit


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
    """Every column but `row_key`: added to existing rows by a migration, it must not change
    their content; it is protected anyway, as the associated data of their ciphertext."""
    return sorted(f.attname for f in model._meta.concrete_fields if f.attname != "row_key")


# Columns added to a chained table after its rows were sealed: model label -> {column: the
# value the migration gave the rows written before}. The canonical content leaves such a column
# out while it holds that value, so the older rows' MACs still hold; any other value is part of
# the content, and a change either way breaks the MAC as before.
ADDED_COLUMNS: dict[str, dict[str, Any]] = {
    "intake.HistoricalSafetyConfirmation": {"outcome": ""},  # intake 0007 (issue 14)
}


def canonical(values: dict[str, Any], model: type[models.Model] | None = None) -> str:
    """Stable JSON of a history row's values (keys sorted, UTC times)."""
    added = ADDED_COLUMNS.get(model._meta.label) if model is not None else None
    if added:
        values = {k: v for k, v in values.items() if not (k in added and v == added[k])}
    return json.dumps(
        {k: _plain(v) for k, v in values.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def compute_mac(seq: int, label: str, history_id: int, prev_mac: str, content: str) -> str:
    message = f"{seq}\x1f{label}\x1f{history_id}\x1f{prev_mac}\x1f{content}".encode()
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def _chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_contents(model: type[models.Model], ids: Iterable[int]) -> dict[int, str | Unreadable]:
    """Canonical content of the given history rows, read back from the database (decrypted).

    A row with a value that no longer decrypts maps to `Unreadable` instead of failing the read.
    """
    fields = canonical_fields(model)
    pk_name = model._meta.pk.attname
    contents: dict[int, str | Unreadable] = {}
    for part in _chunks(sorted(set(ids)), READ_CHUNK):
        for row in read_values(model._default_manager.filter(pk__in=part), fields):
            bad = [v for v in row.values() if isinstance(v, Unreadable)]
            bad.sort(key=lambda v: v.missing_key)  # evidence of tampering first
            contents[row[pk_name]] = bad[0] if bad else canonical(row, model)
    return contents


# --- sealing ------------------------------------------------------------------------------


def chained_models() -> list[type[models.Model]]:
    """Every table the chain covers: the history tables and the access log."""
    from casework.models import AccessLog

    return [*history_models(), AccessLog]


def written_at_field(model: type[models.Model]) -> str:
    """The column that says when a chained row was written (history_date, or the log's `at`)."""
    return "history_date" if hasattr(model, "instance_type") else "at"


# Field types whose value in memory, after save(), is exactly what a read gives back (the rest
# fall back to reading the row): no rounding (Decimal), no normalising (inet), no naive times.
_AS_STORED = (
    models.IntegerField,  # AutoField, BigAutoField, BigIntegerField, PositiveIntegerField…
    models.CharField,
    models.TextField,  # and the encrypted fields: the plaintext is what they decrypt to
    models.BooleanField,
    models.UUIDField,
    models.JSONField,
)


def content_in_memory(instance: models.Model) -> str | None:
    """The canonical content of a row just saved, from the instance (no read-back), or None
    when a value might not be what the database gives back."""
    values = {}
    by_attname = {f.attname: f for f in instance._meta.concrete_fields}
    for attname in canonical_fields(type(instance)):
        if attname not in instance.__dict__:
            return None
        f = by_attname[attname]
        value = instance.__dict__[attname]
        if value is not None and not _as_stored(f, value):
            return None
        values[attname] = value
    return canonical(values, type(instance))


def _as_stored(f: models.Field, value: Any) -> bool:
    if f.is_relation:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(f, models.DateTimeField):
        return isinstance(value, datetime) and value.tzinfo is not None
    if isinstance(f, models.DateField):
        return type(value) is date
    if isinstance(f, models.BooleanField):
        return isinstance(value, bool)
    if isinstance(f, models.IntegerField):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(f, models.CharField | models.TextField):
        return isinstance(value, str)
    if isinstance(f, models.UUIDField):
        return isinstance(value, uuid.UUID)
    return isinstance(f, models.JSONField)


class _Rows:
    """Rows and, when known from memory, their content, per history model."""

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], list[int]] = {}
        self.contents: dict[type[models.Model], dict[int, str]] = {}

    def add(
        self, model: type[models.Model], ids: Iterable[int], contents: dict[int, str] | None
    ) -> None:
        self.rows.setdefault(model, []).extend(ids)
        if contents:
            self.contents.setdefault(model, {}).update(contents)

    def take(self, other: _Rows) -> None:
        for model, ids in other.rows.items():
            self.add(model, ids, other.contents.get(model))
        other.rows, other.contents = {}, {}


class _SealOnCommit(_Rows):
    """The rows one transaction wrote at one savepoint level: its on_commit callback, so that a
    rolled-back savepoint takes its rows with it (Django drops the callbacks registered inside
    it). Once the transaction has committed it hands its rows to the transaction's sealer."""

    def __init__(self, sealer: _Sealer) -> None:
        super().__init__()
        self.sealer = sealer

    def __call__(self) -> None:
        self.sealer.take(self)


class _Sealer(_Rows):
    """One per transaction, kept last among its commit callbacks (registered at the outermost
    level, moved to the end whenever rows are noted): it runs after every savepoint level's
    callback has handed over its rows, and seals them all in one short transaction."""

    def __init__(self, using: str) -> None:
        super().__init__()
        self.using = using

    def __call__(self) -> None:
        if not self.rows:
            return
        try:
            seal(self.rows, contents=self.contents)
        except Exception:  # the request succeeded; the sweep (run_reminders) seals later
            logger.exception("mimamori: sealing after commit failed; the next sweep seals")


def _sealer_last(conn) -> _Sealer:
    """The transaction's sealer, (re)placed at the end of the commit callbacks."""
    callbacks = conn.run_on_commit
    for i, (_sids, func, _robust) in enumerate(callbacks):
        if isinstance(func, _Sealer):
            del callbacks[i]
            break
    else:
        func = _Sealer(conn.alias)
    # Outermost level (no savepoint ids): dropped only when the whole transaction rolls back.
    callbacks.append((set(), func, False))
    return func


def note_written(
    model: type[models.Model],
    ids: Iterable[int],
    using: str = "default",
    instances: Sequence[models.Model] = (),
) -> None:
    """Remember rows written in the current transaction, to be sealed right after it commits.

    Outside a transaction the row is sealed at once (on_commit runs immediately). With the
    saved `instances`, their content is taken from memory (no read-back when sealing). Rows
    of a process that died between commit and sealing are picked up by the sweep.
    """
    ids = [i for i in ids if i is not None]
    if not ids:
        return
    contents = {}
    for instance in instances:
        content = content_in_memory(instance)
        if content is not None:
            contents[instance.pk] = content
    if contents and getattr(settings, "MIMAMORI_AUDIT_CHECK_MEMORY", False):
        _check_against_database(model, contents)
    conn = connections[using]
    if not conn.in_atomic_block:
        sealer = _Sealer(using)
        sealer.add(model, ids, contents)
        sealer()
        return
    level = set(conn.savepoint_ids)
    sealer = _sealer_last(conn)
    for sids, func, _robust in conn.run_on_commit:
        if isinstance(func, _SealOnCommit) and sids == level:
            func.add(model, ids, contents)
            return
    pending = _SealOnCommit(sealer)
    pending.add(model, ids, contents)
    transaction.on_commit(pending, using=using)
    _sealer_last(conn)  # after the callback just registered


def _check_against_database(model: type[models.Model], contents: dict[int, str]) -> None:
    """Tests: the content taken from memory must be what a read of the row gives."""
    stored = fetch_contents(model, list(contents))
    for row_id, content in contents.items():
        if stored.get(row_id) != content:
            raise AssertionError(
                f"{model._meta.label} {row_id}: content in memory differs from the row read "
                f"back:\n  memory:   {content}\n  database: {stored.get(row_id)}"
            )


def _already_linked(rows: dict[type[models.Model], list[int]]) -> dict[str, set[int]]:
    """Of the given rows, those a sweep has linked meanwhile (one query for a request's rows)."""
    from casework.models import AuditLink

    found: dict[str, set[int]] = {}
    pairs = [(m._meta.label, i) for m, ids in rows.items() for i in sorted(set(ids))]
    for part in _chunks(pairs, READ_CHUNK):
        condition = models.Q()
        for label in {label for label, _i in part}:
            ids = [i for lab, i in part if lab == label]
            condition |= models.Q(history_label=label, history_id__in=ids)
        for label, row_id in AuditLink.objects.filter(condition).values_list(
            "history_label", "history_id"
        ):
            found.setdefault(label, set()).add(row_id)
    return found


def unsealed(
    model: type[models.Model], *, since: datetime | None = None, before: datetime | None = None
) -> models.QuerySet:
    """Committed rows of a chained table that are in no link yet (pk only, in order)."""
    from casework.models import AuditLink

    linked = AuditLink.objects.filter(history_label=model._meta.label, history_id=OuterRef("pk"))
    rows = model._default_manager.filter(~Exists(linked))
    at = written_at_field(model)
    if since is not None:
        rows = rows.filter(**{f"{at}__gte": since})
    if before is not None:
        rows = rows.filter(**{f"{at}__lt": before})
    return rows.order_by("pk").values_list("pk", flat=True)


@dataclass(frozen=True)
class Head:
    seq: int
    mac: str


def seal(
    rows: dict[type[models.Model], list[int]] | None = None,
    *,
    since: datetime | None = None,
    contents: dict[type[models.Model], dict[int, str]] | None = None,
) -> Head:
    """Link committed unsealed rows to the chain, in a short transaction of its own.

    With `rows`, those rows (the ones a transaction just wrote); without, every unsealed row
    (written since `since`, when given): the sweep. The head is locked only for this: read
    the rows in one batched query per table (or take their content from memory, `contents`),
    compute the MACs, insert the links, move the head. Then the new head is appended to the
    witness (casework/audit/witness.py).
    """
    if rows is not None:
        try:
            # Rows just committed are almost never linked yet: no read to ask. If a sweep did
            # link one meanwhile, the unique (label, id) of the links refuses the insert, and
            # the run is made again with the read.
            return _seal(rows, since=since, contents=contents, ask_linked=False)
        except IntegrityError:
            pass
    return _seal(rows, since=since, contents=contents, ask_linked=True)


def _seal(
    rows: dict[type[models.Model], list[int]] | None,
    *,
    since: datetime | None,
    contents: dict[type[models.Model], dict[int, str]] | None,
    ask_linked: bool,
) -> Head:
    from casework.models import AuditLink, ChainHead

    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        known = contents or {}
        if rows is None:
            wanted = {m: list(unsealed(m, since=since)) for m in chained_models()}
        else:
            linked = _already_linked(rows) if ask_linked else {}
            wanted = {
                m: sorted(set(ids) - linked.get(m._meta.label, set())) for m, ids in rows.items()
            }
        seq, mac = head.seq, head.mac or GENESIS
        links = []
        for model in sorted(wanted, key=lambda m: m._meta.label):
            ids = wanted[model]
            if not ids:
                continue
            label = model._meta.label
            in_memory = known.get(model, {})
            found = {i: in_memory[i] for i in ids if i in in_memory}
            found |= fetch_contents(model, [i for i in ids if i not in in_memory])
            for row_id in sorted(found):
                content = found[row_id]
                if isinstance(content, Unreadable):
                    # Never seal what cannot be read (nor let it hold up the rest): it stays
                    # unsealed, and verify_audit reports it once it is overdue.
                    logger.error("mimamori: not sealing unreadable %s %s", label, row_id)
                    continue
                seq += 1
                mac = compute_mac(seq, label, row_id, mac, content)
                links.append(AuditLink(seq=seq, history_label=label, history_id=row_id, mac=mac))
        if not links:
            return Head(head.seq, head.mac or GENESIS)
        if copy_supported(AuditLink):
            copy_create(AuditLink, links)
        else:
            AuditLink.objects.bulk_create(links, batch_size=2000)
        head.seq, head.mac = seq, mac
        head.save(update_fields=["seq", "mac"])
    result = Head(seq, mac)
    record_head(result, source="seal")
    return result


def seal_recent() -> Head:
    """The sweep run_reminders does: seal rows written within the unsealed limit that missed
    their own sealing. Older ones are left for verify_audit to report as late."""
    return seal(since=timezone.now() - unsealed_max())


def link_rows(model: type[models.Model], ids: Sequence[int]) -> None:
    """Seal the given rows now (bulk paths and tests; normal writes seal after commit)."""
    seal({model: list(ids)})


def bulk_create_chained(
    objs: list[models.Model], model: type[models.Model], **kwargs: Any
) -> list[models.Model]:
    """`bulk_create_with_history` (which sends no signal), its history rows sealed on commit.

    Where the database returns the new primary keys (PostgreSQL, SQLite ≥ 3.35) the history
    rows are built here and sealed from memory: no read-back, no decryption of what was just
    encrypted (a bulk load of 100,000 cases writes millions of history rows).
    """
    history_model = model.history.model
    with transaction.atomic():
        if not connection.features.can_return_rows_from_bulk_insert:
            created = bulk_create_with_history(objs, model, **kwargs)
            pks = [obj.pk for obj in created]
            ids: list[int] = []
            for part in _chunks(pks, READ_CHUNK):
                ids += history_model.objects.filter(id__in=part).values_list(
                    "history_id", flat=True
                )
            note_written(history_model, ids)
            return created
        batch_size = kwargs.pop("batch_size", None)
        if copy_supported(model) and copy_supported(history_model):  # PostgreSQL: COPY
            created = copy_create(model, objs)
            history = copy_create(history_model, _history_rows(history_model, created, **kwargs))
        else:
            created = model._default_manager.bulk_create(objs, batch_size=batch_size)
            history = model.history.bulk_history_create(created, batch_size=batch_size, **kwargs)
        note_written(history_model, [h.pk for h in history], instances=history)
    return created


def _history_rows(
    history_model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    default_user=None,
    default_change_reason: str = "",
    default_date: datetime | None = None,
) -> list[models.Model]:
    """The "+" history rows `bulk_history_create` would save (simple-history's own recipe)."""
    rows = []
    for instance in objs:
        row = history_model(
            history_date=getattr(instance, "_history_date", default_date or timezone.now()),
            history_user=getattr(
                instance,
                "_history_user",
                default_user or history_model.get_default_history_user(instance),
            ),
            history_change_reason=getattr(instance, "_change_reason", None)
            or default_change_reason,
            history_type="+",
            **{f.attname: getattr(instance, f.attname) for f in history_model.tracked_fields},
        )
        if hasattr(history_model, "history_relation"):
            row.history_relation_id = instance.pk
        rows.append(row)
    return rows


# --- verification -------------------------------------------------------------------------

ALTERED = "altered"
DELETED = "deleted"
INSERTED = "inserted"
LINK_MISSING = "link_missing"
HEAD = "head"
NO_KEY = "no_key"
WITNESS = "witness"
UNSEALED = "unsealed"

KIND_LABELS = {
    ALTERED: "改ざん",
    DELETED: "削除",
    INSERTED: "挿入",
    LINK_MISSING: "リンク欠落",
    HEAD: "チェーン先頭の不一致",
    NO_KEY: "鍵がなく検証不能",
    WITNESS: "外部の控えとの不一致",
    UNSEALED: "封印の遅れ",
}


@dataclass
class Problem:
    kind: str
    seq: int | None
    label: str
    history_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"リンク #{self.seq}" if self.seq is not None else "リンクなし"
        row = f" {self.label}" if self.label else ""
        row += f" 履歴ID {self.history_id}" if self.history_id is not None else ""
        return f"[{KIND_LABELS[self.kind]}] {where}{row}: {self.message}"


@dataclass
class Verification:
    """The outcome of one pass over the chain: links checked, per model, and the problems."""

    checked: int = 0
    per_label: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    per_kind: Counter = field(default_factory=Counter)
    total_problems: int = 0
    max_problems: int = 1000

    @property
    def ok(self) -> bool:
        return self.total_problems == 0

    def add(self, problem: Problem) -> None:
        self.total_problems += 1
        self.per_kind[problem.kind] += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(problem)


def verify(
    batch_size: int = 5000, max_problems: int = 1000, since: Sequence[Checkpoint] = ()
) -> Verification:
    """Seal what is waiting, then recompute the chain from the database and hold it against the
    witness (and any checkpoint the operator kept elsewhere: `since`).

    Rows left unsealed longer than MIMAMORI_AUDIT_UNSEALED_MAX are a finding (they are sealed
    now, so the next run starts clean). On PostgreSQL the check runs in a REPEATABLE READ
    snapshot, so writers appending meanwhile cannot make the head and the links disagree; on
    SQLite the transaction itself is the snapshot. A clean result appends the head to the
    witness.
    """
    result = Verification(max_problems=max_problems)
    late = overdue_unsealed()
    seal()
    checkpoints, unreadable = read_checkpoints()
    checkpoints += list(since)
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        head = _Verifier(result, batch_size, checkpoints).run()
    for origin in unreadable:
        result.add(Problem(WITNESS, None, "", None, f"{origin}が読めません（書き換えの疑い）。"))
    limit = unsealed_max()
    for label, row_id in late:
        minutes = int(limit.total_seconds() // 60)
        result.add(
            Problem(
                UNSEALED,
                None,
                label,
                row_id,
                f"{minutes} 分を超えてチェーンに封印されていませんでした（今回封印しました）。",
            )
        )
    if result.ok and head is not None:
        record_head(head, source="verify")
    return result


def unsealed_max() -> timedelta:
    return timedelta(seconds=getattr(settings, "MIMAMORI_AUDIT_UNSEALED_MAX_SECONDS", 300))


def overdue_unsealed(now: datetime | None = None) -> list[tuple[str, int]]:
    """Rows written longer ago than the setting and still in no link."""
    before = (now or timezone.now()) - unsealed_max()
    return [
        (model._meta.label, row_id)
        for model in chained_models()
        for row_id in unsealed(model, before=before)
    ]


class _Verifier:
    def __init__(
        self, result: Verification, batch_size: int, checkpoints: Sequence[Checkpoint] = ()
    ) -> None:
        self.result = result
        self.batch_size = batch_size
        self.models_by_label = {m._meta.label: m for m in chained_models()}
        self.checkpoints: dict[int, list[Checkpoint]] = {}
        for checkpoint in checkpoints:
            self.checkpoints.setdefault(checkpoint.seq, []).append(checkpoint)

    def run(self) -> Head | None:
        """Check everything; return the head that was verified (None without a head row)."""
        from casework.models import ChainHead

        head = ChainHead.objects.filter(pk=1).first()
        if head is None:
            self.result.add(Problem(HEAD, None, "", None, "チェーンの先頭行がありません。"))
        head_seq = head.seq if head else self._max_seq()
        last_seq, last_mac = self._walk(head_seq)
        if last_seq < head_seq:
            self._missing(last_seq + 1, head_seq, at_end=True)
        elif head is not None and (head.mac or GENESIS) != last_mac:
            self.result.add(
                Problem(HEAD, head_seq, "", None, "チェーンの先頭が最後のリンクと一致しません。")
            )
        self._checkpoints_beyond(head_seq)
        self._links_beyond(head_seq)
        return Head(head.seq, head.mac or GENESIS) if head is not None else None

    def _checkpoints_beyond(self, head_seq: int) -> None:
        """A checkpoint past the head: the tail was cut, the head rewound or the chain erased."""
        beyond = [c for seq, cs in self.checkpoints.items() if seq > head_seq for c in cs]
        if not beyond:
            return
        last = max(beyond, key=lambda c: c.seq)
        self.result.add(
            Problem(
                WITNESS,
                last.seq,
                "",
                None,
                f"チェーンは #{head_seq} までしかありませんが、{last.origin}には #{last.seq} まで"
                f"記録されています（末尾の削除・先頭の巻き戻し・全消去の疑い。"
                f"控え {len(beyond)} 件と不一致）。",
            )
        )

    def _against_checkpoints(self, seq: int, mac: str) -> None:
        for checkpoint in self.checkpoints.get(seq, ()):
            if checkpoint.mac != mac:
                self.result.add(
                    Problem(
                        WITNESS,
                        seq,
                        "",
                        None,
                        f"リンク #{seq} が{checkpoint.origin}の MAC と一致しません"
                        "（チェーンが書き換えられた疑い）。",
                    )
                )

    def _max_seq(self) -> int:
        from casework.models import AuditLink

        return AuditLink.objects.aggregate(m=models.Max("seq"))["m"] or 0

    def _walk(self, head_seq: int) -> tuple[int, str]:
        """Check links 1..head_seq in order; return the last seq and MAC seen."""
        from casework.models import AuditLink

        expected, prev_mac, after_gap = 1, GENESIS, False
        while expected <= head_seq:
            batch = list(
                AuditLink.objects.filter(seq__gte=expected, seq__lte=head_seq).order_by("seq")[
                    : self.batch_size
                ]
            )
            if not batch:
                break
            contents = self._contents(batch)
            for link in batch:
                if link.seq != expected:
                    self._missing(expected, link.seq - 1, at_end=False)
                    after_gap = True
                self._check(link, contents, prev_mac, after_gap)
                self._against_checkpoints(link.seq, link.mac)
                prev_mac, expected, after_gap = link.mac, link.seq + 1, False
        return expected - 1, prev_mac

    def _contents(self, batch: list) -> dict[str, dict[int, str | Unreadable]]:
        contents: dict[str, dict[int, str | Unreadable]] = {}
        for label in {link.history_label for link in batch}:
            model = self.models_by_label.get(label)
            ids = [link.history_id for link in batch if link.history_label == label]
            contents[label] = fetch_contents(model, ids) if model else {}
        return contents

    def _check(self, link, contents, prev_mac: str, after_gap: bool) -> None:
        self.result.checked += 1
        self.result.per_label[link.history_label] += 1
        label, history_id = link.history_label, link.history_id
        content = contents[label].get(history_id)
        if content is None:
            message, kind = "記録された履歴行が削除されています。", DELETED
        elif isinstance(content, Unreadable) and content.missing_key:
            message, kind = f"検証できません: {content.error}", NO_KEY
        elif isinstance(content, Unreadable):
            message, kind = f"暗号文を復号できません（改ざんの疑い）: {content.error}", ALTERED
        elif after_gap:
            return  # its predecessor's MAC is gone: the gap is already reported
        elif compute_mac(link.seq, label, history_id, prev_mac, content) != link.mac:
            message, kind = "履歴行の内容が記録時から変更されています。", ALTERED
        else:
            return
        self.result.add(Problem(kind, link.seq, label, history_id, message))

    def _missing(self, first: int, last: int, *, at_end: bool) -> None:
        span = f"#{first}" if first == last else f"#{first}〜#{last}"
        note = "" if at_end else f"（直後のリンク #{last + 1} は検証できません）"
        self.result.add(
            Problem(LINK_MISSING, first, "", None, f"チェーンのリンク {span} がありません{note}。")
        )

    def _links_beyond(self, head_seq: int) -> None:
        from casework.models import AuditLink

        for link in AuditLink.objects.filter(seq__gt=head_seq).order_by("seq").iterator():
            self.result.add(
                Problem(
                    INSERTED,
                    link.seq,
                    link.history_label,
                    link.history_id,
                    "チェーンの先頭より後にリンクがあります（直接挿入された疑い）。",
                )
            )
