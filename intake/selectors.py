"""Reads for intake pages: the queue, open 48-hour clocks, likely duplicates, route choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from difflib import SequenceMatcher

from django.db.models import QuerySet
from django.utils import timezone

from casework.access import log_access_by
from casework.choices import CATEGORY_GROUP, AccessAction, Category, ConsultationGroup
from casework.crypto import normalize_kana
from casework.models import AccessLog, Child, User
from casework.models.children import child_name_index
from intake.models import Consultation, Route, queue_team_ids

CLOCKS_SHOWN = 100
SIMILAR_SCANNED = 200  # visible children born the same day whose names are compared
SIMILAR_RATIO = 0.6


def day_start(day: date) -> datetime:
    """Midnight at the start of a day, Asia/Tokyo."""
    return timezone.make_aware(datetime.combine(day, time.min))


def queue_teams(user: User) -> list[int]:
    """The teams whose queue the user works, as ids: literal ids give PostgreSQL the row
    estimates it needs to read the newest consultations from the index."""
    return sorted(queue_team_ids(user))


def queue_base(team_ids: list[int]) -> QuerySet[Consultation]:
    """The consultations the teams received (within the user's scope by construction)."""
    return Consultation.objects.filter(team_id__in=team_ids).for_list()


def filter_consultations(queryset: QuerySet[Consultation], data: dict) -> QuerySet[Consultation]:
    status = data.get("status")
    if status and status != "all":
        queryset = queryset.filter(status=status)
    for name in ("category", "urgency", "channel"):
        if data.get(name):
            queryset = queryset.filter(**{name: data[name]})
    if data.get("received_from"):
        queryset = queryset.filter(received_at__gte=day_start(data["received_from"]))
    if data.get("received_to"):
        queryset = queryset.filter(
            received_at__lt=day_start(data["received_to"] + timedelta(days=1))
        )
    return queryset


def queue_clocks(team_ids: list[int]) -> QuerySet[Consultation]:
    """Every open 48-hour clock of the queue, most urgent first."""
    return queue_base(team_ids).open_clocks().order_by("safety_due_at", "pk")


def queue_rest(team_ids: list[int], data: dict) -> QuerySet[Consultation]:
    """The rest of the queue, newest first (open clocks are listed above it)."""
    rest = queue_base(team_ids).exclude(
        safety_due_at__isnull=False, safety_confirmed_at__isnull=True
    )
    return filter_consultations(rest, data).order_by("-received_at", "-pk")


def visible_clocks(user: User) -> QuerySet[Consultation]:
    """Open clocks the user may open (the supervisor's home): most urgent first."""
    return Consultation.objects.visible_to(user).open_clocks().for_list().order_by("safety_due_at")


# --- the child: likely duplicates -----------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A child who may be the one being entered. For a child outside the user's scope only
    the fact of a registration and the district are shown (issue 8), never the name."""

    child: Child
    exact: bool  # same kana name and birth date (blind index)
    score: float
    in_scope: bool = True

    @property
    def district(self) -> str:
        return self.child.district


PROBE_LIMIT = 10  # duplicate checks without a saved consultation …
PROBE_WINDOW = timedelta(minutes=10)  # … within this window, then the check is refused
MSG_PROBING = (
    "短時間に重複確認が繰り返されたため、確認を停止しました（記録されています）。"
    "受け付ける相談を保存するか、10分後にもう一度お試しください。"
)


class ProbingRefused(Exception):
    """Too many duplicate checks without a save: a sweep of birth dates, not intake work."""


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, normalize_kana(a), normalize_kana(b)).ratio()


def _checks_since_last_save(user: User, now: datetime) -> int:
    since = now - PROBE_WINDOW
    last_save = (
        Consultation.objects.filter(received_by=user, created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return AccessLog.objects.filter(
        user=user, action=AccessAction.CHECK, at__gte=max(since, last_save or since)
    ).count()


def duplicate_candidates(
    request, family_kana: str, given_kana: str, birth_date: date
) -> list[Candidate]:
    """Exact blind-index matches among all children (offered for linking, never merged), then
    children the user may see who were born the same day with a similar kana name.

    Every check is logged; a match outside the user's scope is logged as such; the eleventh
    check within ten minutes without a saved consultation is refused (ProbingRefused)."""
    user = request.user
    now = timezone.now()
    if _checks_since_last_save(user, now) >= PROBE_LIMIT:
        log_access_by(request, Child._meta.label, "", AccessAction.REFUSED)
        raise ProbingRefused(MSG_PROBING)
    log_access_by(request, Child._meta.label, "", AccessAction.CHECK)
    index = child_name_index(family_kana, given_kana, birth_date)
    # Only what may be shown of any child is read (and decrypted): the district's town.
    exact = list(
        Child.objects.filter(name_index=index).only("pk", "town", "birth_date").order_by("pk")[:20]
    )
    visible = {
        child.pk: child
        for child in Child.objects.visible_to(user).filter(pk__in=[c.pk for c in exact])
    }
    found = []
    for child in exact:
        in_scope = child.pk in visible
        child = visible.get(child.pk, child)
        if not in_scope:
            log_access_by(request, Child._meta.label, str(child.pk), AccessAction.MATCH)
        found.append(Candidate(child, True, 1.0, in_scope))
    seen = {child.pk for child in exact}
    typed = f"{family_kana}{given_kana}"
    similar = []
    same_day = (
        Child.objects.visible_to(user)
        .filter(birth_date=birth_date)
        .exclude(pk__in=seen)
        .order_by("pk")[:SIMILAR_SCANNED]
    )
    for child in same_day:
        score = max(
            _similarity(typed, f"{child.family_name_kana}{child.given_name_kana}"),
            1.0 if normalize_kana(child.family_name_kana) == normalize_kana(family_kana) else 0,
            1.0 if normalize_kana(child.given_name_kana) == normalize_kana(given_kana) else 0,
        )
        if score >= SIMILAR_RATIO:
            similar.append(Candidate(child, False, score))
    similar.sort(key=lambda c: (-c.score, c.child.pk))
    return found + similar[:10]


# --- choices ---------------------------------------------------------------------------------


def route_choices(day: date | None = None) -> list[tuple[str, list[tuple[int, str]]]]:
    """Routes in use (today, or in the last year for back-dated entries), grouped for <optgroup>."""
    day = day or timezone.localdate()
    routes = Route.objects.effective_between(day - timedelta(days=366), day)
    grouped: dict[str, list[tuple[int, str]]] = {}
    for route in routes.order_by("sort_order", "pk"):
        label = route.name if route.is_effective_on(day) else f"{route.name}（旧）"
        grouped.setdefault(route.group, []).append((route.pk, label))
    return list(grouped.items())


def category_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The 16 categories in their six groups (DOMAIN §1), for <optgroup>."""
    grouped: dict[str, list[tuple[int, str]]] = {}
    for code, label in Category.choices:
        group = ConsultationGroup(CATEGORY_GROUP[code]).label
        grouped.setdefault(str(group), []).append((code, f"{code}. {label}"))
    return list(grouped.items())
