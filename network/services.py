"""Writes for the 要対協 register: entries, their end, 実務者会議 sessions and their agendas,
progress reviews, and the disclosures a printed handout makes. Each follows casework/services.py
(durable, locked, re-read, checked, only changed fields saved). Lock order: entry → session →
deadline → chain head (a review locks its entry before its session).

The ledger (issue 14 §1): an open entry owes one NETWORK_REVIEW deadline, owned by its worker in
its team, due at its next review; a review meets it (the review as evidence) and opens the next;
ending the entry lapses it (dismissed in time, missed when overdue).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.choices import DeadlineKind, Role
from casework.deadlines import (
    end_of_day,
    lapse_deadline,
    meet_deadline,
    open_deadline,
    sync_record_deadlines,
)
from casework.models import Case, Child, Team, User
from casework.wareki import wareki_safe
from casework.writes import CaseRuleError, lock, save_with_history, service
from network import rules
from network.choices import EntryEnd, EntryKind, EntryState, LegalBasis, SessionState
from network.models import (
    Agency,
    AgendaItem,
    Disclosure,
    Entry,
    EntryAgency,
    Review,
    Session,
    register_teams,
)
from network.selectors import SHOWN_ALL, SHOWN_INVOLVED, HandoutRow, handout_rows

REVIEW_LEAD = timedelta(days=14)  # the ledger shows a review two weeks ahead (LADDERS too)


class NetworkRuleError(CaseRuleError):
    """A refused act on the register, in Japanese; `field` names the form field."""


def _require_network(actor: User) -> None:
    if not actor.has_role(Role.NETWORK):
        raise PermissionDenied


def _save(obj, *, actor: User, reason: str, message: str, field_name: str | None = None) -> None:
    """Save in a savepoint; a constraint violation (a race Python missed) becomes `message`."""
    try:
        with transaction.atomic():
            save_with_history(obj, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise NetworkRuleError(message, field_name) from exc


def _lock_entry(actor: User, entry: Entry | int) -> Entry:
    pk = entry.pk if isinstance(entry, Entry) else entry
    locked = lock(Entry.objects.select_related("child", "worker", "team"), pk, actor=actor)
    if not locked.may("change"):
        raise PermissionDenied
    return locked


def _check_team_and_worker(actor: User, team: Team, worker: User) -> None:
    if team.pk not in register_teams(actor):
        raise NetworkRuleError("登録する係には、あなたの係を選んでください。", "team")
    if not (worker.has_role(Role.NETWORK) and team.pk in worker.team_ids()):
        raise NetworkRuleError(
            "担当者には、この係の子ども家庭支援センター職員を選んでください。", "worker"
        )


def _check_case(case: Case | None, child: Child | None, field_name: str = "case_number") -> None:
    if case is not None and (child is None or case.child_id != child.pk):
        raise NetworkRuleError("この児童のケースではありません。", field_name)


# --- the register's ledger -------------------------------------------------------------------


def open_review_deadline(entry: Entry, *, actor: User | None):
    """The entry's next review in the ledger: due at the end of its next review day, owned by
    its worker in its team, showing two weeks ahead; one per period (`suffix`)."""
    if entry.state != EntryState.OPEN:
        return None
    return open_deadline(
        kind=DeadlineKind.NETWORK_REVIEW,
        subject=entry,
        due_at=end_of_day(entry.next_review_on),
        actor=actor,
        owner=entry.worker,
        team_id=entry.team_id,
        lead=REVIEW_LEAD,
        suffix=review_suffix(entry),
    )


def review_suffix(entry: Entry) -> str:
    return f"r{entry.reviews_done}"


def sync_network_deadlines(now: datetime) -> dict[str, int]:
    """run_reminders: every open entry owes its next review (entries from before the ledger get
    theirs); ended entries' reviews are closed. Idempotent."""
    opened = sync_record_deadlines(
        kind=DeadlineKind.NETWORK_REVIEW,
        owing=Entry.objects.open().select_related("worker"),
        suffix=review_suffix,
        open_one=lambda entry: open_review_deadline(entry, actor=None),
        ended=Entry.objects.filter(state=EntryState.ENDED),
        reason="登録終了",
        now=now,
    )
    return {"要対協の進行管理": opened}


# --- entries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewChild:
    """A child entered with the registration (a child the centre already knows by the same
    kana name and birth date is the same record: the blind index finds it)."""

    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: str
    town: str


@dataclass(frozen=True)
class EntryData:
    kind: str
    lead_agency: Agency
    reason: str
    registered_on: date
    next_review_on: date
    worker: User
    team: Team
    agencies: list[Agency] = field(default_factory=list)
    case: Case | None = None
    mother_name: str = ""
    mother_name_kana: str = ""
    expected_month: date | None = None


def _child_for(actor: User, new_child: NewChild) -> Child:
    from casework.models.children import child_name_index

    index = child_name_index(
        new_child.family_name_kana, new_child.given_name_kana, new_child.birth_date
    )
    found = Child.objects.filter(name_index=index).order_by("pk").first()
    if found is not None:
        return found
    child = Child(**vars(new_child), created_by=actor)
    save_with_history(child, actor=actor, reason="要対協への登録")
    return child


def _check_dates(data: EntryData, today: date) -> None:
    if data.registered_on > today:
        raise NetworkRuleError("登録日に未来の日付は入力できません。", "registered_on")
    if data.next_review_on < data.registered_on:
        raise NetworkRuleError("次回の進行管理は登録日以降にしてください。", "next_review_on")


def _check_kind(data: EntryData, child: Child | None) -> None:
    if data.kind == EntryKind.PREGNANT:
        if not data.mother_name.strip():
            raise NetworkRuleError("特定妊婦の氏名を入力してください。", "mother_name")
        if data.expected_month is None:
            raise NetworkRuleError("出産予定月を入力してください。", "expected_month")
    elif child is None:
        raise NetworkRuleError("児童の氏名・生年月日などを入力してください。", "family_name")


def _set_agencies(entry: Entry, agencies: list[Agency], actor: User) -> None:
    wanted = {a.pk for a in agencies if a.pk != entry.lead_agency_id}
    have = {i.agency_id: i for i in entry.involvements.select_for_update()}
    for agency_id in wanted - set(have):
        save_with_history(
            EntryAgency(entry=entry, agency_id=agency_id), actor=actor, reason="関係機関の追加"
        )
    for agency_id, row in have.items():
        if row.active != (agency_id in wanted):
            row.active = agency_id in wanted
            reason = "関係機関の追加" if row.active else "関係機関から外す"
            save_with_history(row, actor=actor, reason=reason, fields=["active"])


@service
def entry_create(
    *,
    actor: User,
    data: EntryData,
    new_child: NewChild | None = None,
    today: date | None = None,
) -> Entry:
    """Register a child or an expectant mother under the council; the first review joins the
    ledger at once."""
    _require_network(actor)
    today = today or timezone.localdate()
    _check_team_and_worker(actor, data.team, data.worker)
    _check_dates(data, today)
    child = None
    if data.kind != EntryKind.PREGNANT and new_child is not None:
        child = _child_for(actor, new_child)
    _check_kind(data, child)
    _check_case(data.case, child)
    if child is not None and Entry.objects.open().filter(child=child).exists():
        raise NetworkRuleError("この児童はすでに要対協に登録されています。", "family_name")
    entry = Entry(
        kind=data.kind,
        child=child,
        case=data.case,
        mother_name=data.mother_name.strip() if data.kind == EntryKind.PREGNANT else "",
        mother_name_kana=data.mother_name_kana.strip() if data.kind == EntryKind.PREGNANT else "",
        expected_month=data.expected_month if data.kind == EntryKind.PREGNANT else None,
        lead_agency=data.lead_agency,
        reason=data.reason.strip(),
        registered_on=data.registered_on,
        next_review_on=data.next_review_on,
        worker=data.worker,
        team=data.team,
        created_by=actor,
    )
    _save(entry, actor=actor, reason="要対協への登録", message="登録できませんでした。")
    _set_agencies(entry, data.agencies, actor)
    open_review_deadline(entry, actor=actor)
    return entry


@service
def entry_update(
    *,
    actor: User,
    entry: Entry,
    lead_agency: Agency,
    agencies: list[Agency],
    reason: str,
    next_review_on: date,
    worker: User,
    case: Case | None = None,
) -> Entry:
    """Change an open entry: lead agency, the agencies involved, the reason, the worker, the
    next review (the ledger follows) and the linked case."""
    entry = _lock_entry(actor, entry)
    if not entry.is_open:
        raise NetworkRuleError("登録が終了しています。")
    _check_team_and_worker(actor, entry.team, worker)
    if next_review_on < entry.registered_on:
        raise NetworkRuleError("次回の進行管理は登録日以降にしてください。", "next_review_on")
    _check_case(case, entry.child)
    entry.lead_agency, entry.reason = lead_agency, reason.strip()
    entry.next_review_on, entry.worker, entry.case = next_review_on, worker, case
    save_with_history(
        entry,
        actor=actor,
        reason="登録内容の変更",
        fields=["lead_agency", "reason", "next_review_on", "worker", "case"],
    )
    _set_agencies(entry, agencies, actor)
    open_review_deadline(entry, actor=actor)
    return entry


@service
def entry_end(
    *,
    actor: User,
    entry: Entry,
    end_kind: str,
    ended_on: date,
    reason: str,
    moved_to: str = "",
    handover: str = "",
    case: Case | None = None,
    today: date | None = None,
) -> Entry:
    """End a registration: closed (終結), moved away (with the handover to the new
    municipality), or transferred to the 児童相談所's case. Its open review leaves the ledger."""
    today = today or timezone.localdate()
    entry = _lock_entry(actor, entry)
    if not entry.is_open:
        raise NetworkRuleError("登録はすでに終了しています。")
    if ended_on > today:
        raise NetworkRuleError("登録終了日に未来の日付は入力できません。", "ended_on")
    if ended_on < entry.registered_on:
        raise NetworkRuleError(
            f"登録終了日は登録日（{wareki_safe(entry.registered_on)}）以降にしてください。",
            "ended_on",
        )
    if not reason.strip():
        raise NetworkRuleError("終了の理由を入力してください。", "reason")
    if end_kind == EntryEnd.MOVED:
        if not moved_to.strip():
            raise NetworkRuleError("転出先の自治体を入力してください。", "moved_to")
        if not handover.strip():
            raise NetworkRuleError("引継ぎの内容を入力してください。", "handover")
    if end_kind == EntryEnd.TRANSFERRED:
        case = case or entry.case
        if case is None:
            raise NetworkRuleError("移行先のケース番号を入力してください。", "case_number")
        _check_case(case, entry.child)
        entry.case = case
    entry.state, entry.end_kind, entry.ended_on = EntryState.ENDED, end_kind, ended_on
    entry.end_reason = reason.strip()
    entry.moved_to = moved_to.strip() if end_kind == EntryEnd.MOVED else ""
    entry.handover = handover.strip() if end_kind == EntryEnd.MOVED else ""
    save_with_history(
        entry,
        actor=actor,
        reason="要対協の登録終了",
        fields=["state", "end_kind", "ended_on", "end_reason", "moved_to", "handover", "case"],
    )
    lapse_deadline(
        kind=DeadlineKind.NETWORK_REVIEW,
        subject=entry,
        reason=f"登録終了（{EntryEnd(end_kind).label}）",
        actor=actor,
        now=min(timezone.now(), end_of_day(ended_on)),
    )
    return entry


# --- sessions and their agendas ----------------------------------------------------------------


def _lock_session(actor: User, session: Session | int) -> Session:
    pk = session.pk if isinstance(session, Session) else session
    locked = lock(Session.objects.select_related("team"), pk, actor=actor)
    if not locked.may("change"):
        raise PermissionDenied
    return locked


def _build_agenda(session: Session, actor: User) -> tuple[int, int]:
    """Bring a planned session's agenda in line with the register: every open entry of the
    team due by the session's day is on it; an item without a review whose entry is no longer
    due (reviewed elsewhere, moved, ended) leaves it. (added, removed)"""
    due = {
        e.pk: e
        for e in Entry.objects.due_by(session.held_on).filter(team_id=session.team_id).order_by()
    }
    items = {i.entry_id: i for i in session.items.select_for_update()}
    reviewed = set(session.reviews.values_list("entry_id", flat=True))
    added = removed = 0
    for pk, entry in due.items():
        item = items.get(pk)
        if item is None:
            save_with_history(
                AgendaItem(session=session, entry=entry, due_on=entry.next_review_on),
                actor=actor,
                reason="議題の作成",
            )
            added += 1
        elif not item.active:
            item.active, item.due_on = True, entry.next_review_on
            save_with_history(item, actor=actor, reason="議題の更新", fields=["active", "due_on"])
            added += 1
    for pk, item in items.items():
        if item.active and pk not in due and pk not in reviewed:
            item.active = False
            save_with_history(
                item, actor=actor, reason="議題の更新（検討対象外）", fields=["active"]
            )
            removed += 1
    return added, removed


@service
def session_create(*, actor: User, team: Team, held_on: date, title: str) -> Session:
    """Plan a 実務者会議: its agenda is built at once from the entries due by its day."""
    _require_network(actor)
    if team.pk not in register_teams(actor):
        raise NetworkRuleError("会議を開く係には、あなたの係を選んでください。", "team")
    if not title.strip():
        raise NetworkRuleError("会議名を入力してください。", "title")
    session = Session(team=team, held_on=held_on, title=title.strip(), created_by=actor)
    save_with_history(session, actor=actor, reason="実務者会議の登録")
    _build_agenda(session, actor)
    return session


@service
def session_refresh(*, actor: User, session: Session) -> tuple[int, int]:
    """Rebuild a planned session's agenda (entries registered or fallen due since)."""
    session = _lock_session(actor, session)
    if session.is_held:
        raise NetworkRuleError("開催済みの会議の議題は変更できません。")
    return _build_agenda(session, actor)


@service
def session_hold(*, actor: User, session: Session, today: date | None = None) -> Session:
    """Mark a session held: from now on its agenda is the record of what it reviewed."""
    today = today or timezone.localdate()
    session = _lock_session(actor, session)
    if session.is_held:
        raise NetworkRuleError("この会議はすでに開催済みです。")
    if session.held_on > today:
        raise NetworkRuleError("開催日より前に開催済みにはできません。")
    session.state = SessionState.HELD
    save_with_history(session, actor=actor, reason="実務者会議の開催", fields=["state"])
    return session


# --- reviews ------------------------------------------------------------------------------------


@service
def review_record(
    *,
    actor: User,
    item: AgendaItem,
    situation: str,
    lead_agency: Agency,
    policy: str,
    next_review_on: date | None = None,
    today: date | None = None,
) -> Review:
    """Record the review of an agenda entry at its session: the entry takes the lead agency
    decided and moves to its next review; the ledger's review is met and the next opened."""
    today = today or timezone.localdate()
    entry = _lock_entry(actor, item.entry_id)
    session = _lock_session(actor, item.session_id)
    if session.held_on > today:
        raise NetworkRuleError(
            f"進行管理は会議の開催日（{wareki_safe(session.held_on)}）以降に記録してください。"
        )
    if not entry.is_open:
        raise NetworkRuleError("登録が終了しています。")
    if not AgendaItem.objects.filter(
        pk=item.pk, session=session, entry=entry, active=True
    ).exists():
        raise NetworkRuleError("この会議の議題ではありません。")
    if Review.objects.filter(session=session, entry=entry).exists():
        raise NetworkRuleError("この会議での進行管理はすでに記録されています。")
    if not situation.strip():
        raise NetworkRuleError("現在の状況を入力してください。", "situation")
    if not policy.strip():
        raise NetworkRuleError("援助方針を入力してください。", "policy")
    next_review_on = next_review_on or rules.next_review(session.held_on)
    if next_review_on <= session.held_on:
        raise NetworkRuleError(
            "次回の進行管理は、この会議の開催日より後の日にしてください。", "next_review_on"
        )
    review = Review(
        entry=entry,
        session=session,
        situation=situation.strip(),
        lead_agency=lead_agency,
        policy=policy.strip(),
        next_review_on=next_review_on,
        recorded_by=actor,
    )
    _save(
        review,
        actor=actor,
        reason="進行管理の記録",
        message="この会議での進行管理はすでに記録されています。",
    )
    meet_deadline(
        kind=DeadlineKind.NETWORK_REVIEW,
        subject=entry,
        evidence=review,
        met_at=min(timezone.now(), end_of_day(session.held_on) - timedelta(seconds=1)),
        label=f"{session.title}で進行管理",
        actor=actor,
    )
    entry.lead_agency, entry.next_review_on = lead_agency, next_review_on
    entry.reviews_done += 1
    save_with_history(
        entry,
        actor=actor,
        reason="進行管理の記録",
        fields=["lead_agency", "next_review_on", "reviews_done"],
    )
    open_review_deadline(entry, actor=actor)
    return review


# --- handouts -------------------------------------------------------------------------------------


@service
def handout_print(*, actor: User, session: Session, agency: Agency) -> list[HandoutRow]:
    """The rows of a session's handout for one member agency, each recorded as a disclosure
    with its legal basis (児童福祉法25条の2; the recipient bound by 25条の5)."""
    session = _lock_session(actor, session)
    rows = handout_rows(session, agency)
    now = timezone.now()
    for row in rows:
        disclosure = Disclosure(
            session=session,
            entry=row.item.entry,
            agency=agency,
            shown=SHOWN_INVOLVED if row.involved else SHOWN_ALL,
            basis=LegalBasis.SHARING,
            printed_by=actor,
            printed_at=now,
        )
        save_with_history(disclosure, actor=actor, reason="資料の印刷（情報提供）")
    return rows
