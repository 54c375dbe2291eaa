"""Reads for the auditor's desk: every history table as one feed, with diffs; the access log.

The change feed is a UNION ALL over the history tables of a few narrow columns, ordered and
sliced in the database. A page then costs one query per history model that appears on it (a
constant bound: the number of history models), fetching its rows together with each row's
previous version, plus one query for the users. Encrypted values are compared decrypted, so a
change is detected, but they are never handed to the template: they are always masked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import wareki
from casework.audit.chain import history_models
from casework.audit.rows import Unreadable, is_encrypted, read_values
from casework.fields import BlindIndexField
from casework.models import AccessLog, User

MASK = "●●●"
MATCH_ONLY = "（照合用）"
EMPTY = "—"
MAX_TEXT = 120
KIND_LABELS = {"+": _("作成"), "~": _("変更"), "-": _("削除")}
KIND_CODES = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class Change:
    label: str
    old: str = ""
    new: str = ""
    masked: bool = False
    unreadable: bool = False


@dataclass
class Entry:
    at: datetime
    user: User | None
    record_type: str
    object_id: Any
    kind: str
    reason: str
    changes: list[Change] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def kind_code(self) -> str:
        return KIND_CODES.get(self.kind, "other")


class ChangeFeed:
    """All history rows, newest first, as a countable and sliceable sequence for Paginator."""

    ordered = True

    def __init__(
        self,
        *,
        user: User | None = None,
        record_type: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        self.models = [
            m
            for m in history_models()
            if not record_type or m.instance_type._meta.label == record_type
        ]
        self.filters = Q()
        if user is not None:
            self.filters &= Q(history_user_id=user.pk)
        if start is not None:
            self.filters &= Q(history_date__gte=start)
        if end is not None:
            self.filters &= Q(history_date__lt=end)

    def _part(self, index: int, model: type[models.Model]) -> models.QuerySet:
        return (
            model._default_manager.filter(self.filters)
            .order_by()
            .values(
                feed_hid=F("history_id"),
                feed_at=F("history_date"),
                feed_src=Value(index, output_field=IntegerField()),
            )
        )

    def count(self) -> int:
        parts = [self._part(i, m) for i, m in enumerate(self.models)]
        if len(parts) <= 1:
            return parts[0].count() if parts else 0
        return parts[0].union(*parts[1:], all=True).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Entry]:
        if not isinstance(window, slice):
            raise TypeError("ChangeFeed supports slices only")
        start, stop = window.start or 0, window.stop
        parts = [self._part(i, m) for i, m in enumerate(self.models)]
        if not parts or (stop is not None and stop <= start):
            # An empty window (the page of an empty feed): slicing every part to nothing would
            # make Django drop them from the UNION and then refuse to order what is left.
            return []
        order = ("-feed_at", "-feed_src", "-feed_hid")
        if len(parts) == 1:
            keys = list(parts[0].order_by(*order)[start:stop])
        else:
            if stop is not None and connection.features.supports_slicing_ordering_in_compound:
                # Each table gives at most `stop` rows: lets the database walk its date index.
                parts = [p.order_by("-feed_at", "-feed_hid")[:stop] for p in parts]
            keys = list(parts[0].union(*parts[1:], all=True).order_by(*order)[start:stop])
        return build_entries([(self.models[k["feed_src"]], k["feed_hid"]) for k in keys])


def _previous_ids(model: type[models.Model], ids: list[int]) -> models.QuerySet:
    """The history_id of each given row's previous version of the same object."""
    earlier = model._default_manager.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    newest_earlier = earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
    return (
        model._default_manager.filter(history_id__in=ids)
        .annotate(prev=Subquery(newest_earlier))
        .filter(prev__isnull=False)
        .values("prev")
    )


def diff_fields(model: type[models.Model]) -> list[models.Field]:
    """The tracked fields of a history model except the object's id (shown on its own)."""
    names = {f.name for f in model.tracked_fields}
    pk_name = model.instance_type._meta.pk.name
    return [f for f in model._meta.concrete_fields if f.name in names and f.name != pk_name]


def _fetch(model: type[models.Model], ids: list[int]) -> list[dict[str, Any]]:
    """One query: the rows on the page and their previous versions."""
    wanted = ["history_id", "history_date", "history_user_id", "history_type", "id"]
    wanted += ["history_change_reason"] + [f.attname for f in diff_fields(model)]
    queryset = model._default_manager.filter(
        Q(history_id__in=ids) | Q(history_id__in=_previous_ids(model, ids))
    ).order_by()
    return read_values(queryset, wanted)


def _sort_key(row: dict) -> tuple:
    return (row["history_date"], row["history_id"])


def build_entries(keys: list[tuple[type[models.Model], int]]) -> list[Entry]:
    """Entries for (history model, history_id) pairs, in the given order."""
    by_model: dict[type[models.Model], list[int]] = defaultdict(list)
    for model, history_id in keys:
        by_model[model].append(history_id)
    rows: dict[tuple[type[models.Model], int], dict] = {}
    previous: dict[tuple[type[models.Model], int], dict | None] = {}
    for model, ids in by_model.items():
        fetched = _fetch(model, ids)
        versions: dict[Any, list[dict]] = defaultdict(list)
        for row in fetched:
            versions[row["id"]].append(row)
        wanted = set(ids)
        for object_rows in versions.values():
            object_rows.sort(key=_sort_key)
            for before, row in zip([None, *object_rows], object_rows, strict=False):
                if row["history_id"] in wanted:
                    rows[model, row["history_id"]] = row
                    previous[model, row["history_id"]] = before
    users = _users(rows, previous)
    entries = []
    for model, history_id in keys:
        row = rows.get((model, history_id))
        if row is None:  # removed between the two queries; nothing to show
            continue
        entries.append(
            Entry(
                at=row["history_date"],
                user=users.get(row["history_user_id"]),
                record_type=record_type_name(model.instance_type._meta.label),
                object_id=row["id"],
                kind=row["history_type"],
                reason=row["history_change_reason"] or "",
                changes=_changes(model, previous[model, history_id], row, users),
            )
        )
    return entries


def _points_to_user(f: models.Field) -> bool:
    return f.is_relation and f.related_model._meta.label == settings.AUTH_USER_MODEL


def _user_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in diff_fields(model) if _points_to_user(f)]


def _users(rows: dict, previous: dict) -> dict[int, User]:
    """Every user a page mentions (who acted; old and new user keys in diffs), in one query."""
    ids = set()
    for key, row in rows.items():
        model = key[0]
        ids.add(row["history_user_id"])
        for version in (row, previous[key]):
            if version is not None:
                ids.update(version[f.attname] for f in _user_fields(model))
    ids.discard(None)
    return User.objects.in_bulk(ids) if ids else {}


def _changes(model, before: dict | None, after: dict, users: dict[int, User]) -> list[Change]:
    if after["history_type"] == "-":
        return []
    changes = []
    for f in diff_fields(model):
        old = before[f.attname] if before is not None else None
        new = after[f.attname]
        if before is None and new in (None, ""):
            continue
        if before is not None and old == new and not isinstance(new, Unreadable):
            continue
        label = str(f.verbose_name)
        if isinstance(f, BlindIndexField):  # a keyed hash: says nothing to a reader, shown as such
            changes.append(
                Change(
                    label,
                    old=MATCH_ONLY if old else EMPTY,
                    new=MATCH_ONLY if new else EMPTY,
                    masked=True,
                )
            )
        elif is_encrypted(f):
            unreadable = isinstance(old, Unreadable) or isinstance(new, Unreadable)
            changes.append(
                Change(
                    label,
                    old=MASK if old not in (None, "") else EMPTY,
                    new=MASK if new not in (None, "") else EMPTY,
                    masked=True,
                    unreadable=unreadable,
                )
            )
        else:
            changes.append(Change(label, old=display(f, old, users), new=display(f, new, users)))
    return changes


def display(f: models.Field, value: Any, users: dict[int, User]) -> str:
    """A plain value as an auditor reads it: choice labels, 和暦 dates, user names."""
    if value is None or value == "":
        return EMPTY
    if f.is_relation:
        user = users.get(value) if _points_to_user(f) else None
        return str(user) if user is not None else f"#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("はい") if value else _("いいえ"))
    if isinstance(value, datetime | date):
        return _date_text(value)
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _date_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{wareki.wareki_safe(local, weekday=False)} {local:%H:%M}"
    return wareki.wareki_safe(value, weekday=False)


def access_log(
    *,
    user: User | None = None,
    record_type: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> models.QuerySet[AccessLog]:
    queryset = AccessLog.objects.select_related("user").order_by("-at", "-id")
    if user is not None:
        queryset = queryset.filter(user=user)
    if record_type:
        queryset = queryset.filter(record_type=record_type)
    if start is not None:
        queryset = queryset.filter(at__gte=start)
    if end is not None:
        queryset = queryset.filter(at__lt=end)
    return queryset


# django-otp names its models in English, without translation.
RECORD_TYPE_NAMES = {
    "otp_totp.TOTPDevice": _("二段階認証（認証アプリ）"),
    "otp_static.StaticDevice": _("二段階認証（予備コード）"),
}


def record_type_name(label: str) -> str:
    """「児童」 for "casework.Child"; the label itself for a type that no longer exists."""
    if label in RECORD_TYPE_NAMES:
        return str(RECORD_TYPE_NAMES[label])
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def deadline_audit(data: dict) -> models.QuerySet:
    """Every statutory deadline that fell due in the period (or all, without one), with how it
    ended: the auditor's answer to "were any 48-hour checks missed last year?"."""
    from datetime import time, timedelta

    from casework.models import Deadline

    rows = Deadline.objects.select_related("case", "team", "owner", "closed_by").defer(
        "reason", "case__summary", "case__plan_detail", "case__closure_reason", "owner__password"
    )
    if not data.get("practical"):
        rows = rows.filter(statutory=True)
    if data.get("date_from"):
        rows = rows.filter(
            due_at__gte=timezone.make_aware(datetime.combine(data["date_from"], time.min))
        )
    if data.get("date_to"):
        end = data["date_to"] + timedelta(days=1)
        rows = rows.filter(due_at__lt=timezone.make_aware(datetime.combine(end, time.min)))
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    if data.get("team"):
        rows = rows.filter(team=data["team"])
    return rows.order_by("-due_at", "-pk")


def escalation_steps(deadlines: list) -> dict[int, list[str]]:
    """deadline id -> the escalation steps sent ("残り24時間 2026-11-29 10:00 ・3名"), in order:
    one query for the page."""
    from django.db.models import Count, Min

    from casework.deadlines import ladder
    from casework.models import Notification

    if not deadlines:
        return {}
    kinds = {d.pk: d.kind for d in deadlines}
    rows = (
        Notification.objects.filter(deadline_id__in=list(kinds))
        .values("deadline_id", "step")
        .annotate(first=Min("created_at"), people=Count("recipient", distinct=True))
        .order_by("first")
    )
    steps: dict[int, list[str]] = {}
    for row in rows:
        labels = {s.name: s.label for s in ladder(kinds[row["deadline_id"]])}
        when = timezone.localtime(row["first"])
        steps.setdefault(row["deadline_id"], []).append(
            f"{labels.get(row['step'], row['step'])} {when:%Y-%m-%d %H:%M}・{row['people']}名"
        )
    return steps


# --- 意見聴取等措置: compliance per period (DOMAIN §11) --------------------------------------

VIEWS_COLUMNS = (
    ("total", _("決定")),
    ("before", _("事前に聴取")),
    ("after_on_time", _("事後に聴取（期限内）")),
    ("after_late", _("事後に聴取（期限後）")),
    ("outstanding", _("未聴取")),
    ("outstanding_overdue", _("うち期限超過")),
    ("advocate_offered", _("支援員を案内")),
    ("advocate_used", _("支援員を利用")),
    ("feedback", _("子どもへの説明を記録")),
)


def views_compliance(start: date | None, end: date | None, today: date) -> list[dict]:
    """Per decision kind, the decisions taken in [start, end] (either open) and how the child's
    views were heard: before, afterwards within the due day, afterwards late, still outstanding
    (and of those, past the due day). One query; kinds with no decision show zeros."""
    from django.db.models import Count

    from casework.choices import ViewsDecision, ViewsTiming
    from casework.models import ViewsHearing

    rows = ViewsHearing.objects.all()
    if start:
        rows = rows.filter(decided_on__gte=start)
    if end:
        rows = rows.filter(decided_on__lte=end)
    after = Q(timing=ViewsTiming.AFTER)
    waiting = after & Q(heard_on__isnull=True)
    counts = {
        row["decision_kind"]: row
        for row in rows.values("decision_kind")
        .order_by("decision_kind")
        .annotate(
            total=Count("pk"),
            before=Count("pk", filter=Q(timing=ViewsTiming.BEFORE)),
            after_on_time=Count("pk", filter=after & Q(heard_on__lte=F("due_on"))),
            after_late=Count("pk", filter=after & Q(heard_on__gt=F("due_on"))),
            outstanding=Count("pk", filter=waiting),
            outstanding_overdue=Count("pk", filter=waiting & Q(due_on__lt=today)),
            advocate_offered=Count("pk", filter=Q(advocate_offered=True)),
            advocate_used=Count("pk", filter=Q(advocate_used=True)),
            feedback=Count("pk", filter=Q(feedback_on__isnull=False)),
        )
    }
    names = [name for name, _label in VIEWS_COLUMNS]
    table = [
        {"kind": kind, "label": label, **{n: counts.get(kind, {}).get(n, 0) for n in names}}
        for kind, label in ViewsDecision.choices
    ]
    table.append({"kind": "", "label": _("合計"), **{n: sum(r[n] for r in table) for n in names}})
    return table
