"""Demo 意見聴取 for the seeded decisions (DOMAIN §11): most children heard before the decision,
in a way suited to their age; a night-time emergency protection heard the day after; one
heard late; one still owed (on the ledger). Deterministic: the same decision always gets the
same hearing, so seed_demo stays idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from casework.deadlines import subject_ref
from casework.hearings import ViewsInput
from casework.models import Case, ViewsHearing

SAID = [
    "家には帰りたくない。お母さんとは会いたい。学校は今のまま通いたい。",
    "どこに行くのかこわい。弟と一緒がいい。",
    "（言葉では話さなかった。絵カードで「いえ」を選んで首を振った。）",
    "ここなら安心して眠れる。先生には内緒にしてほしい。",
]
DEFERRED = "夜間の通告による緊急保護で、決定の前に本人の意見を聴く時間がなかった。"


def _method(case: Case, on: date) -> str:
    age = on.year - case.child.birth_date.year
    if age < 4:
        return "through"
    if age < 7:
        return "cards"
    if age < 10:
        return "play"
    return "interview"


def demo_views(case: Case, decided_on: date, n: int, *, deferred: bool = False) -> ViewsInput:
    """The views section of the n-th seeded decision (heard by the case's lead)."""
    if deferred:
        return ViewsInput(timing="after", deferral_kind="urgent", deferral_reason=DEFERRED)
    heard_on = max(decided_on - timedelta(days=n % 2), case.opened_on)
    return ViewsInput(
        timing="before",
        heard_on=heard_on,
        heard_by=case.lead,
        method=_method(case, heard_on),
        advocate_offered=n % 3 != 2,
        advocate_used=n % 3 == 0,
        child_views=SAID[n % len(SAID)],
    )


def hearing_of(decision) -> ViewsHearing:
    label, pk = subject_ref(decision)
    return ViewsHearing.objects.select_related("case", "case__lead", "case__child").get(
        subject_type=label, subject_id=pk
    )


def demo_heard_afterwards(decision, n: int, today: date, *, late: bool = False) -> None:
    """Complete a deferred demo hearing: the day after the decision, or (late) after its due
    day; the decision is then explained to the child."""
    from casework.hearings import views_record_afterwards, views_record_feedback

    hearing = hearing_of(decision)
    if not hearing.is_outstanding:
        return
    heard_on = min(hearing.decided_on + timedelta(days=6 if late else 1), today)
    case = hearing.case
    views_record_afterwards(
        actor=case.lead,
        hearing=hearing,
        heard_on=heard_on,
        heard_by=case.lead,
        method=_method(case, heard_on),
        advocate_offered=True,
        advocate_used=False,
        child_views=SAID[n % len(SAID)],
        today=today,
    )
    views_record_feedback(
        actor=case.lead,
        hearing=hearing,
        feedback_on=heard_on,
        feedback="決定とその理由（おうちで安全に過ごせるかを確かめるため）を、本人の分かる言葉で"
        "説明した。「わかった」と話した。",
        today=today,
    )
