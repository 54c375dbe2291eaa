"""Demo 愛の手帳 and deadlines (issue 11 §8): handbooks whose re-judgment is overdue, due
within the lead time, and at 18 (a referral); a change of degree; the duty roster; then the
ledger brought up to date, so every kind of deadline shows in its states. Through the services,
as the centre would record them. Idempotent: nothing is added once handbooks exist."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from casework import rules
from casework.choices import Category
from casework.handbooks import handbook_change, handbook_judge, handbook_register
from casework.models import Child, DutyAssignment, Handbook, Team
from casework.seed.core import TEAM_1
from casework.services import case_open


def _birth_for(today: date, kind: str) -> tuple[date, date | None]:
    """(birth date, last judgment) giving a handbook in the wanted state today."""
    if kind == "overdue":  # judged at 3; the 6-year re-judgment (1 April) has passed
        birth = date(today.year - 7, 8, 3)
        return birth, rules.birthday_in(birth, 3) + timedelta(days=20)
    if kind == "soon":  # the 3rd birthday in about six weeks
        birth = rules.birthday_in(today + timedelta(days=45), -3)
        return birth, None
    if kind == "eighteen":  # turns 18 in two months: the referral to the Tokyo centre
        birth = rules.birthday_in(today + timedelta(days=60), -18)
        junior_high = rules.junior_high_entry(birth)
        return birth, junior_high + timedelta(days=30)
    birth = date(today.year - 9, 5, 20)  # judged at primary entry; next at junior high
    return birth, rules.primary_school_entry(birth) + timedelta(days=10)


PLANS = [
    ("overdue", "さとう", "ゆうき", 3),
    ("soon", "いとう", "さくら", 2),
    ("eighteen", "かとう", "れん", 4),
    ("settled", "やまもと", "あおい", 3),
]


def seed_handbooks(context: dict) -> str:
    if Handbook.objects.exists():
        return f"愛の手帳: 既存 {Handbook.objects.count()} 冊（追加なし）"
    today: date = context["today"]
    users = context["users"]
    worker, supervisor = users["caseworker1"], users["supervisor1"]
    team = Team.objects.get(name=TEAM_1)
    added = 0
    for state, family, given, degree in PLANS:
        birth, judged = _birth_for(today, state)
        child = Child(
            family_name={"さとう": "佐藤", "いとう": "伊藤", "かとう": "加藤", "やまもと": "山本"}[
                family
            ],
            given_name={"ゆうき": "勇気", "さくら": "さくら", "れん": "蓮", "あおい": "葵"}[given],
            family_name_kana=family,
            given_name_kana=given,
            birth_date=birth,
            sex="M" if given in ("ゆうき", "れん") else "F",
            town="芝浦",
            address="1-1-1",
            created_by=worker,
        )
        child.save()
        case_open(
            actor=supervisor,
            child=child,
            team=team,
            lead=worker,
            category=Category.INTELLECTUAL,
            opened_on=max(birth + timedelta(days=400), today - timedelta(days=300)),
            summary="愛の手帳の判定・再判定と療育の相談",
        )
        issued = judged or (birth + timedelta(days=400))
        handbook = handbook_register(
            actor=worker,
            child=child,
            number=f"第{2024000 + child.pk}号",
            degree=degree,
            issued_on=issued,
        )
        if judged:
            handbook_judge(actor=worker, handbook=handbook, judged_on=judged, degree=degree)
        if state == "settled":
            handbook_change(
                actor=worker,
                handbook=handbook,
                noticed_on=today - timedelta(days=5),
                note="保育園から、言葉の発達に変化があるとの連絡。",
            )
        added += 1
    start = timezone.make_aware(datetime.combine(today, time.min))
    if not DutyAssignment.objects.exists():
        DutyAssignment.objects.create(
            user=supervisor, starts_at=start, ends_at=start + timedelta(days=7)
        )
    return (
        f"愛の手帳: {added} 冊（再判定の期限超過・90日以内・18歳の引継ぎ・程度の変化）、当番 1 名"
    )
