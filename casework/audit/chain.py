"""Tamper evidence for django-simple-history rows.

Each history row gets one AuditLink: an HMAC (audit key) over the row's canonical content and
the previous link's MAC, numbered without gaps. Links are added under a lock on the single
ChainHead row, so concurrent writers cannot fork the chain. The canonical content uses the
decrypted values, so re-encryption under a new key (rotate_field_keys) keeps the chain valid,
while any edit of a value, a deletion or an insertion outside the application breaks it.

Rows written by `save()` are linked by a signal (casework/audit/signals.py). Bulk paths
(`bulk_create_with_history` sends no signal) must call `link_rows` or use
`bulk_create_chained`; a history row that is in no link is reported as inserted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from simple_history.utils import bulk_create_with_history

from casework.audit.rows import Unreadable, read_values
from casework.crypto import audit_key

GENESIS = "0" * 64
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
            contents[row[pk_name]] = bad[0] if bad else canonical(row)
    return contents


@transaction.atomic
def link_rows(model: type[models.Model], ids: Sequence[int]) -> None:
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
        content = contents[history_id]
        if isinstance(content, Unreadable):
            raise content.error
        seq += 1
        mac = compute_mac(seq, label, history_id, mac, content)
        links.append(AuditLink(seq=seq, history_label=label, history_id=history_id, mac=mac))
    AuditLink.objects.bulk_create(links, batch_size=2000)
    head.seq, head.mac = seq, mac
    head.save(update_fields=["seq", "mac"])


def link_history_instance(history_instance: models.Model) -> None:
    link_rows(type(history_instance), [history_instance.pk])


@transaction.atomic
def bulk_create_chained(
    objs: list[models.Model], model: type[models.Model], **kwargs: Any
) -> list[models.Model]:
    """`bulk_create_with_history` (which sends no signal), then link the new history rows."""
    created = bulk_create_with_history(objs, model, **kwargs)
    history_model = model.history.model
    pks = [obj.pk for obj in created]
    ids: list[int] = []
    for part in _chunks(pks, READ_CHUNK):
        ids += history_model.objects.filter(id__in=part).values_list("history_id", flat=True)
    for part in _chunks(sorted(ids), 2000):
        link_rows(history_model, part)
    return created


# --- verification -------------------------------------------------------------------------

ALTERED = "altered"
DELETED = "deleted"
INSERTED = "inserted"
LINK_MISSING = "link_missing"
HEAD = "head"
NO_KEY = "no_key"

KIND_LABELS = {
    ALTERED: "改ざん",
    DELETED: "削除",
    INSERTED: "挿入",
    LINK_MISSING: "リンク欠落",
    HEAD: "チェーン先頭の不一致",
    NO_KEY: "鍵がなく検証不能",
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


def verify(batch_size: int = 5000, max_problems: int = 1000) -> Verification:
    """Recompute the chain from the database, in one consistent snapshot where possible.

    On PostgreSQL a fresh transaction is REPEATABLE READ, so writers appending meanwhile cannot
    make the head and the links disagree; on SQLite the transaction itself is the snapshot.
    """
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        result = Verification(max_problems=max_problems)
        _Verifier(result, batch_size).run()
        return result


class _Verifier:
    def __init__(self, result: Verification, batch_size: int) -> None:
        self.result = result
        self.batch_size = batch_size
        self.models_by_label = {m._meta.label: m for m in history_models()}

    def run(self) -> None:
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
        self._links_beyond(head_seq)
        self._unlinked_rows()

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

    def _unlinked_rows(self) -> None:
        from casework.models import AuditLink

        for label, model in self.models_by_label.items():
            linked = AuditLink.objects.filter(history_label=label, history_id=OuterRef("pk"))
            rows = (
                model._default_manager.filter(~Exists(linked))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for history_id in rows.iterator(chunk_size=2000):
                self.result.add(
                    Problem(
                        INSERTED,
                        None,
                        label,
                        history_id,
                        "チェーンに含まれない履歴行です（直接挿入された疑い）。",
                    )
                )
