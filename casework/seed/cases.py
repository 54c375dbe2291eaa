"""Demo children, households and cases in every status, generated in bulk (PRODUCT §5)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Permission
from django.db import reset_queries, transaction
from django.db.models import Max
from django.utils import timezone

from casework import rules
from casework.choices import (
    DISTRICT_TOWNS,
    CaseStatus,
    Category,
    ClosureOutcome,
    NoteKind,
    PlanKind,
    Relationship,
    Sex,
)
from casework.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseUserObjectPermission,
    CaseWorker,
    Child,
    HouseholdMember,
    Membership,
    User,
)
from casework.models.children import child_name_index, kana_indexes
from casework.seed import names
from casework.seed.bulk import bulk_create_chained
from casework.seed.core import open_cases_for

REASON = "デモデータの投入"
CHUNK = 2000  # cases per transaction: memory stays flat however many are seeded
FISCAL_YEARS = 10  # closed cases are spread over the centre's last ten fiscal years
STATUS_WEIGHTS = [
    (CaseStatus.ACCEPTED, 10),
    (CaseStatus.INVESTIGATION, 15),
    (CaseStatus.JUDGMENT, 10),
    (CaseStatus.PLAN_DECIDED, 10),
    (CaseStatus.IN_SUPPORT, 25),
    (CaseStatus.CLOSED, 30),
]
OPEN_WEIGHTS = [(s, w) for s, w in STATUS_WEIGHTS if s != CaseStatus.CLOSED]
CATEGORY_WEIGHTS = [
    (1, 40),
    (2, 8),
    (3, 3),
    (4, 2),
    (5, 1),
    (6, 4),
    (7, 1),
    (8, 8),
    (9, 7),
    (10, 3),
    (11, 2),
    (12, 5),
    (13, 6),
    (14, 2),
    (15, 6),
    (16, 2),
]
TOWNS = [town for towns in DISTRICT_TOWNS.values() for town in towns]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


@dataclass
class Staff:
    teams: dict[int, list[User]]  # team id -> workers who may lead
    team_ids: list[int]
    supervisors: dict[int, User]  # team id -> the supervisor who approves its plans


def _staff() -> Staff:
    teams: dict[int, list[User]] = {}
    supervisors: dict[int, User] = {}
    memberships = Membership.objects.select_related("user").order_by("team_id", "user_id")
    caseworkers = set(User.objects.filter(groups__name="caseworker").values_list("pk", flat=True))
    for m in memberships:
        if m.is_supervisor:
            supervisors.setdefault(m.team_id, m.user)
        elif m.user_id in caseworkers:
            teams.setdefault(m.team_id, []).append(m.user)
    return Staff(teams, sorted(teams), supervisors)


def _child_age_for(category: int, rng: random.Random) -> int:
    if category == Category.SHOHO:
        return rng.randint(10, 13)  # 触法: under 14 at the time of the act (刑法41条)
    if category == Category.GUHAN:
        return rng.randint(12, 17)
    if category == Category.NON_ATTENDANCE:
        return rng.randint(7, 15)
    if category == Category.HEALTH:
        return rng.randint(0, 3)
    return rng.randint(0, 17)


def _birth_date(opened_on: date, age: int, rng: random.Random) -> date:
    return opened_on - timedelta(days=age * 365 + rng.randint(1, 360))


def _school(age: int, rng: random.Random) -> str:
    if age < 6:
        return rng.choice(names.SCHOOLS["nursery"]) if age >= 1 else ""
    if age < 12:
        return rng.choice(names.SCHOOLS["primary"])
    if age < 15:
        return rng.choice(names.SCHOOLS["junior"])
    return "都立高等学校"


def _make_child(rng: random.Random, opened_on: date, category: int) -> Child:
    family, family_kana = rng.choice(names.FAMILY)
    sex = rng.choice([Sex.MALE, Sex.FEMALE])
    given, given_kana = rng.choice(names.GIVEN_M if sex == Sex.MALE else names.GIVEN_F)
    age = _child_age_for(category, rng)
    birth = _birth_date(opened_on, age, rng)
    return Child(
        family_name=family,
        given_name=given,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
        birth_date=birth,
        sex=sex,
        town=rng.choice(TOWNS),
        address=f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
        school=_school(age, rng),
        allergies=rng.choice(["", "", "", "卵", "小麦", "そば"]),
        name_index=child_name_index(family_kana, given_kana, birth),
        **kana_indexes(family_kana, given_kana),
    )


def _household(rng: random.Random, child: Child) -> list[HouseholdMember]:
    members = []
    adult_f, adult_f_kana = rng.choice(names.ADULT_F)
    members.append(
        HouseholdMember(
            child=child,
            name=f"{child.family_name} {adult_f}",
            relationship=Relationship.MOTHER,
            name_kana=f"{child.family_name_kana} {adult_f_kana}",
            is_guardian=True,
            has_parental_authority=True,
            birth_year=child.birth_date.year - rng.randint(22, 40),
            phone=f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        )
    )
    if rng.random() < 0.6:
        adult_m, adult_m_kana = rng.choice(names.ADULT_M)
        relation = Relationship.FATHER if rng.random() < 0.75 else Relationship.STEPFATHER
        members.append(
            HouseholdMember(
                child=child,
                name=f"{child.family_name} {adult_m}",
                relationship=relation,
                name_kana=f"{child.family_name_kana} {adult_m_kana}",
                is_guardian=True,
                has_parental_authority=relation == Relationship.FATHER,
                birth_year=child.birth_date.year - rng.randint(24, 45),
            )
        )
    if rng.random() < 0.4:
        sib, sib_kana = rng.choice(names.GIVEN_F + names.GIVEN_M)
        members.append(
            HouseholdMember(
                child=child,
                name=f"{child.family_name} {sib}",
                relationship=Relationship.SIBLING,
                name_kana=f"{child.family_name_kana} {sib_kana}",
                birth_year=child.birth_date.year + rng.randint(-5, 5),
            )
        )
    return members


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 18), rng.randint(0, 59))))


class CaseSeeder:
    """Cases in chunks. `open_share` of them open (opened within the last year or so), the rest
    closed and opened over the last ten fiscal years; leads spread evenly over each team."""

    def __init__(
        self, *, rng: random.Random, today: date, staff: Staff, open_share: float = 0.7
    ) -> None:
        self.rng, self.today, self.staff = rng, today, staff
        self.open_share = open_share
        first_year = rules.fiscal_year_of(today) - (FISCAL_YEARS - 1)
        self.history_days = (today - date(first_year, 4, 1)).days
        self.next_seq: dict[int, int] = {
            row["fiscal_year"]: row["m"]
            for row in Case.objects.values("fiscal_year").annotate(m=Max("seq"))
        }
        self.perms = list(
            Permission.objects.filter(
                content_type__app_label="casework", codename__in=["view_case", "change_case"]
            )
        )

    def _seq(self, fiscal_year: int) -> int:
        self.next_seq[fiscal_year] = self.next_seq.get(fiscal_year, 0) + 1
        return self.next_seq[fiscal_year]

    def _supervisor(self, team_id: int) -> User:
        return self.staff.supervisors.get(team_id) or next(iter(self.staff.supervisors.values()))

    def _lead(self, team_id: int) -> User:
        return self.rng.choice(self.staff.teams[team_id])

    def _status(self) -> str:
        if self.rng.random() >= self.open_share:
            return CaseStatus.CLOSED
        return _pick(self.rng, OPEN_WEIGHTS)

    def _case(self, child: Child, status: str, opened_on: date, category: int) -> Case:
        team_id = self.rng.choice(self.staff.team_ids)
        lead = self._lead(team_id)
        sup = self._supervisor(team_id)
        fy = rules.fiscal_year_of(opened_on)
        case = Case(
            fiscal_year=fy,
            seq=self._seq(fy),
            child=child,
            team_id=team_id,
            lead=lead,
            category=category,
            status=status,
            opened_on=opened_on,
            summary=self.rng.choice(names.SUMMARIES.get(category, ["相談の概要（デモ）。"])),
        )
        order = [s for s, _w in STATUS_WEIGHTS]
        if order.index(status) >= order.index(CaseStatus.PLAN_DECIDED):
            case.plan_kind = _pick(
                self.rng,
                [
                    (PlanKind.HOME_SUPPORT, 70),
                    (PlanKind.INSTITUTION, 10),
                    (PlanKind.FOSTER, 10),
                    (PlanKind.OTHER, 10),
                ],
            )
            case.plan_detail = "在宅で地域の支援機関と連携し、定期的に家庭訪問を行う。"
            case.plan_state, case.plan_requested_by, case.plan_approved_by = "approved", lead, sup
            case.plan_approved_at = _at(min(opened_on + timedelta(days=40), self.today), self.rng)
        elif status == CaseStatus.JUDGMENT and self.rng.random() < 0.4:
            case.plan_kind, case.plan_state, case.plan_requested_by = (
                PlanKind.HOME_SUPPORT,
                "pending",
                lead,
            )
            case.plan_detail = "在宅支援。児童家庭支援センターと役割分担する。"
        if status == CaseStatus.CLOSED:
            case.closure_state, case.closure_requested_by, case.closure_approved_by = (
                "approved",
                lead,
                sup,
            )
            case.closure_outcome = _pick(
                self.rng,
                [
                    (ClosureOutcome.HOME, 70),
                    (ClosureOutcome.TRANSFER, 10),
                    (ClosureOutcome.INSTITUTION, 8),
                    (ClosureOutcome.FOSTER, 5),
                    (ClosureOutcome.MOVED, 7),
                ],
            )
            case.closure_reason = "助言・指導により主訴が解消した。"
            case.closed_on = min(opened_on + timedelta(days=self.rng.randint(20, 300)), self.today)
        elif status == CaseStatus.IN_SUPPORT and self.rng.random() < 0.1:
            case.closure_state, case.closure_requested_by = "pending", lead
            case.closure_outcome, case.closure_reason = ClosureOutcome.HOME, "在宅で安定している。"
        return case

    def _opened_on(self, status: str) -> date:
        span = self.history_days if status == CaseStatus.CLOSED else 400
        if status == CaseStatus.ACCEPTED:
            span = 20
        return self.today - timedelta(days=self.rng.randint(0, span))

    @transaction.atomic
    def create(self, count: int) -> int:
        rng = self.rng
        plans = []
        for _ in range(count):
            status = self._status()
            category = _pick(rng, CATEGORY_WEIGHTS)
            opened_on = self._opened_on(status)
            plans.append((status, category, opened_on))
        children = [_make_child(rng, opened, cat) for _s, cat, opened in plans]
        children = bulk_create_chained(children, Child, reason=REASON)
        households = [m for child in children for m in _household(rng, child)]
        bulk_create_chained(households, HouseholdMember, reason=REASON)
        cases = [
            self._case(child, status, opened_on, category)
            for child, (status, category, opened_on) in zip(children, plans, strict=True)
        ]
        cases = bulk_create_chained(cases, Case, reason=REASON)
        self._workers_and_perms(cases)
        self._notes_and_events(cases)
        return len(cases)

    def _workers_and_perms(self, cases: list[Case]) -> None:
        workers, perms = [], []
        for case in cases:
            people = [(case.lead, case.lead.profession or "welfare", True)]
            if self.rng.random() < 0.2:
                others = [w for w in self.staff.teams[case.team_id] if w.pk != case.lead_id]
                if others:
                    co = self.rng.choice(others)
                    people.append((co, co.profession or "psych", False))
            for user, role, is_lead in people:
                workers.append(
                    CaseWorker(
                        case=case,
                        user=user,
                        role=role,
                        is_lead=is_lead,
                        assigned_at=_at(case.opened_on, self.rng),
                    )
                )
                if case.status != CaseStatus.CLOSED or is_lead:
                    perms.extend(
                        CaseUserObjectPermission(user=user, permission=p, content_object=case)
                        for p in self.perms
                    )
        bulk_create_chained(workers, CaseWorker, reason=REASON)
        CaseUserObjectPermission.objects.bulk_create(perms, batch_size=5000)

    def _notes_and_events(self, cases: list[Case]) -> None:
        notes, events = [], []
        kinds = [
            NoteKind.INTERVIEW,
            NoteKind.HOME_VISIT,
            NoteKind.PHONE,
            NoteKind.AGENCY,
            NoteKind.MEETING,
            NoteKind.DIAG_SOCIAL,
            NoteKind.DIAG_PSYCH,
        ]
        for case in cases:
            events.append(
                CaseEvent(
                    case=case,
                    actor=self._supervisor(case.team_id),
                    kind="accepted",
                    at=_at(case.opened_on, self.rng),
                    params={"number": case.number, "lead": str(case.lead)},
                )
            )
            end = case.closed_on or self.today
            if case.status == CaseStatus.IN_SUPPORT and self.rng.random() < 0.15:
                end = max(case.opened_on, self.today - timedelta(days=45))  # gone quiet
            span = max((end - case.opened_on).days, 0)
            for _ in range(self.rng.randint(0 if case.status == CaseStatus.ACCEPTED else 1, 4)):
                day = case.opened_on + timedelta(days=self.rng.randint(0, span))
                notes.append(
                    CaseNote(
                        case=case,
                        kind=self.rng.choice(kinds),
                        occurred_at=_at(day, self.rng),
                        author=case.lead,
                        body=self.rng.choice(names.NOTE_TEXTS),
                    )
                )
            if case.status == CaseStatus.CLOSED:
                events.append(
                    CaseEvent(
                        case=case,
                        actor=self._supervisor(case.team_id),
                        kind="closure_decided",
                        at=_at(case.closed_on, self.rng),
                        params={
                            "outcome": str(case.get_closure_outcome_display()),
                            "approved": True,
                            "closed_on": case.closed_on.isoformat(),
                        },
                    )
                )
        bulk_create_chained(notes, CaseNote, reason=REASON)
        bulk_create_chained(events, CaseEvent, reason=REASON)


def seed_cases(*, target: int, rng: random.Random, today: date, progress=None) -> int:
    """Add cases until there are `target`, in chunks; returns how many were added."""
    existing = Case.objects.count()
    missing = max(target - existing, 0)
    if not missing:
        return 0
    share = open_cases_for(target) / target
    seeder = CaseSeeder(rng=rng, today=today, staff=_staff(), open_share=share)
    added = 0
    while added < missing:
        added += seeder.create(min(CHUNK, missing - added))
        reset_queries()  # with DEBUG on, Django would keep every INSERT's SQL (hundreds of MB)
        if progress:
            progress(added, missing)
    return added
