"""Reads for casework pages: every list starts from a user-scoped queryset."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from casework.choices import DISTRICT_TOWNS, CaseStatus
from casework.models import AccessLog, Case, CaseNote, CaseWorker, Child, Membership, User

STALE_AFTER_DAYS = 30


def filter_cases(queryset: QuerySet[Case], data: dict) -> QuerySet[Case]:
    """Apply the /cases/ filters (already validated by CaseFilterForm)."""
    status = data.get("status")
    if status == "open":
        queryset = queryset.exclude(status=CaseStatus.CLOSED)
    elif status:
        queryset = queryset.filter(status=status)
    if data.get("category"):
        queryset = queryset.filter(category=data["category"])
    if data.get("worker"):
        worker = data["worker"]
        queryset = queryset.filter(
            Q(lead=worker)
            | Q(pk__in=CaseWorker.objects.filter(user=worker, active=True).values("case_id"))
        )
    if data.get("district"):
        towns = DISTRICT_TOWNS.get(data["district"])
        queryset = (
            queryset.filter(child__town__in=towns)
            if towns
            else queryset.exclude(child__town__in=[t for ts in DISTRICT_TOWNS.values() for t in ts])
        )
    if data.get("number"):
        fiscal_year, seq = data["number"]
        queryset = queryset.filter(fiscal_year=fiscal_year, seq=seq)
    if data.get("quiet"):
        queryset = only_quiet(queryset)
    if data.get("kana"):
        queryset = queryset.filter(name_q(name_search_for(data["kana"]), prefix="child__"))
    if data.get("name_search"):
        queryset = queryset.filter(name_q(data["name_search"], prefix="child__"))
    if data.get("birth_date"):
        queryset = queryset.filter(child__birth_date=data["birth_date"])
    return queryset


def name_search_for(typed: str) -> dict:
    """What a typed kana name is searched by: the blind indexes of its folded parts — a surname
    alone, a given name alone or the whole name run together (any), or 「氏 名」 with a space
    (both). Only these keyed hashes are kept between pages, never the name."""
    from casework.kana import name_parts
    from casework.models.children import kana_index

    parts = name_parts(typed)
    if len(parts) >= 2:
        return {
            "op": "all",
            "terms": [
                ["kana_family_index", kana_index("family", parts[0])],
                ["kana_given_index", kana_index("given", "".join(parts[1:]))],
            ],
        }
    whole = parts[0] if parts else ""
    return {
        "op": "any",
        "terms": [
            ["kana_family_index", kana_index("family", whole)],
            ["kana_given_index", kana_index("given", whole)],
            ["kana_full_index", kana_index("full", whole)],
        ],
    }


def name_q(search: dict, prefix: str = "") -> Q:
    """The children a name search finds (searched through indexes, never by decrypting)."""
    fields = {"kana_family_index", "kana_given_index", "kana_full_index"}
    terms = [
        Q(**{f"{prefix}{field}": value})
        for field, value in search.get("terms", [])
        if field in fields and isinstance(value, str)
    ]
    if not terms:
        return Q(pk__in=[])
    combined = terms[0]
    for term in terms[1:]:
        combined = combined & term if search.get("op") == "all" else combined | term
    return combined


def case_list(user: User, data: dict) -> QuerySet[Case]:
    return (
        filter_cases(Case.objects.visible_to(user), data).for_list().order_by("-opened_on", "-seq")
    )


def filter_workers(user: User) -> QuerySet[User]:
    """Workers a user may filter by: the members of their teams."""
    team_ids = Membership.objects.filter(user=user).values("team_id")
    return (
        User.objects.filter(memberships__team_id__in=team_ids, is_active=True)
        .distinct()
        .order_by("username")
    )


def only_quiet(queryset: QuerySet[Case], now=None) -> QuerySet[Case]:
    """Open cases with no note for 30 days (none at all counts from the day of acceptance),
    with `last_record`: the time of the latest note (None when there is none)."""
    now = now or timezone.now()
    since = now - timedelta(days=STALE_AFTER_DAYS)
    recent = CaseNote.objects.filter(case_id=OuterRef("pk"), occurred_at__gte=since)
    latest = CaseNote.objects.filter(case_id=OuterRef("pk")).order_by("-occurred_at")
    return (
        queryset.exclude(status=CaseStatus.CLOSED)
        .filter(opened_on__lte=since.date())
        .exclude(Exists(recent))
        .annotate(last_record=Subquery(latest.values("occurred_at")[:1]))
    )


def stale_cases(user: User, now=None) -> QuerySet[Case]:
    """The user's quiet cases, longest silence first (no note at all: from acceptance)."""
    since = Coalesce(F("last_record"), Cast("opened_on", DateTimeField()))
    return (
        only_quiet(Case.objects.visible_to(user), now)
        .annotate(quiet_since=since)
        .order_by("quiet_since", "pk")
    )


def case_counts(user: User) -> list[dict]:
    """Visible cases counted by lead worker and status in one aggregate query."""
    return list(
        Case.objects.visible_to(user)
        .values("lead_id", "lead__display_name", "lead__username", "status")
        .annotate(total=Count("id"))
        .order_by()
    )


def caseload_by_worker(counts: list[dict]) -> list[dict]:
    """Open cases per lead worker, as rows for a chart and its table."""
    totals: dict[int, dict] = {}
    for row in counts:
        if row["status"] == CaseStatus.CLOSED:
            continue
        name = row["lead__display_name"] or row["lead__username"]
        entry = totals.setdefault(row["lead_id"], {"name": name, "total": 0})
        entry["total"] += row["total"]
    return sorted(totals.values(), key=lambda r: (-r["total"], r["name"]))


def cases_by_status(counts: list[dict]) -> list[dict]:
    per_status: dict[str, int] = {}
    for row in counts:
        per_status[row["status"]] = per_status.get(row["status"], 0) + row["total"]
    return [
        {"status": code, "label": label, "total": per_status.get(code, 0)}
        for code, label in CaseStatus.choices
    ]


def child_viewers(child: Child, limit: int = 50) -> QuerySet[AccessLog]:
    """Who viewed this child (PRODUCT §3: who read a child's record is itself a record)."""
    return (
        AccessLog.objects.filter(record_type=Child._meta.label, record_id=str(child.pk))
        .select_related("user")
        .order_by("-at")[:limit]
    )


# --- deadlines -------------------------------------------------------------------------------

HOME_DEADLINES = 10


def my_deadlines(user: User, now=None):
    """Open deadlines shown to this user now: their own, and for supervisors their teams'."""
    from django.db.models import Q

    from casework.models import Deadline

    now = now or timezone.now()
    mine = Q(owner_id=user.pk)
    supervised = user.supervises()
    if supervised:
        mine |= Q(team_id__in=sorted(supervised))
    return (
        Deadline.objects.showing(now)
        .filter(mine)
        .select_related("case", "child", "owner")
        .defer(*DEADLINE_DEFERRED)
        .order_by("due_at", "pk")
    )


DEADLINE_DEFERRED = (
    "reason",
    "case__summary",
    "case__plan_detail",
    "case__closure_reason",
    "child__address",
    "child__school",
    "child__allergies",
    "child__change_note",
    "owner__password",
)


def home_deadlines(user: User) -> dict:
    """The 「期限」 panel that starts every caseworker's and supervisor's home: the most urgent
    first (two queries whatever the number)."""
    rows = my_deadlines(user)
    return {"deadlines": list(rows[:HOME_DEADLINES]), "deadline_total": rows.count()}


def deadline_list(user: User, data: dict):
    """/reminders/: the deadlines the user may see, filtered."""
    from casework.models import Deadline

    rows = Deadline.objects.visible_to(user).with_allowed(user)
    state = data.get("state") or "open"
    if state != "all":
        rows = rows.filter(state=state)
    if state == "open":
        rows = rows.filter(opens_at__lte=timezone.now())
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    scope = data.get("scope")
    if scope == "mine":
        rows = rows.filter(owner_id=user.pk)
    elif scope == "team":
        rows = rows.filter(team_id__in=sorted(user.supervises() | user.team_ids()))
    if data.get("overdue"):
        rows = rows.filter(due_at__lt=timezone.now())
    order = ("due_at", "pk") if state == "open" else ("-due_at", "-pk")
    return (
        rows.select_related("case", "child", "owner", "team")
        .defer(*DEADLINE_DEFERRED)
        .order_by(*order)
    )


def approvals_waiting(user: User):
    """Plans and closures of the supervisor's teams waiting for a decision (承認待ち)."""
    from casework.choices import DeadlineKind
    from casework.models import Deadline

    supervised = user.supervises()
    if not supervised:
        return Deadline.objects.none()
    return (
        Deadline.objects.open()
        .filter(
            kind__in=[DeadlineKind.PLAN_APPROVAL, DeadlineKind.CLOSURE_APPROVAL],
            team_id__in=sorted(supervised),
        )
        .select_related("case", "case__child", "case__lead")
        .defer(*DEADLINE_DEFERRED, "case__child__address", "case__child__allergies")
        .order_by("due_at", "pk")
    )
