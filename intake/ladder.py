"""The ladder when a child cannot be seen: which legal step may come next (DOMAIN §3, issue 14
item 3). Pure functions of what is on record, no database: the services refuse a step out of
order with `refusal()`, the pages offer `proposed()`.

児童虐待防止法 (児童虐待の防止等に関する法律):

- 8条の2 出頭要求: after a safety-confirmation attempt failed (不在・拒否), the guardian may be
  ordered to appear with the child;
- 9条 立入調査: likewise, the home may be entered and investigated;
- 9条の2 再出頭要求: where the guardian refused, obstructed or evaded the 立入調査, they may be
  ordered to appear again;
- 9条の3 臨検・捜索: where the 再出頭要求 too was not answered, the centre may ask the judge for
  a permit (許可状請求) and, once it is granted, carry out 臨検・捜索. DOMAIN §3 describes this
  older order. Since the 2016 amendment (平成28年法律第63号, 平成28年改正, in force 2016-10-01)
  9条の3 no longer requires the 再出頭要求 first: the permit may be requested directly after a
  refused 立入調査. Both orders are allowed;
- 10条 援助要請: the police chief's assistance may be asked at any time after a failed attempt
  (it accompanies a 立入調査 or a 臨検・捜索).

A direct sighting (an attempt 目視できた, or a step in which the child was seen) ends the ladder:
nothing more is proposed or allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from intake.choices import (
    FAILED_OUTCOMES,
    SIGHTING_OUTCOMES,
    StepKind,
    StepOutcome,
)

K, OUT = StepKind, StepOutcome

MSG_SEEN = "児童を直接目視で確認済みのため、これ以上の措置は記録できません。"
MSG_NO_FAILED_ATTEMPT = (
    "不在または拒否で児童を確認できなかった安全確認の記録がありません。"
    "先に安全確認の試み（不在・拒否）を記録してください（児童虐待防止法8条の2・9条）。"
)
MSG_REAPPEARANCE = (
    "再出頭要求は、立入調査を拒否・妨害されたときに行います（児童虐待防止法9条の2）。"
    "先に立入調査の結果（拒否・妨害）を記録してください。"
)
MSG_PERMIT = (
    "許可状請求は、立入調査を拒否・妨害されたとき、または再出頭要求に応じなかったときに行います"
    "（児童虐待防止法9条の3）。先にその結果を記録してください。"
)
MSG_SEARCH = (
    "臨検・捜索は、裁判官の許可状が出てから行います（児童虐待防止法9条の3）。"
    "先に許可状請求の結果（許可）を記録してください。"
)
MSG_KIND = "措置の種類を選んでください。"

# Refused or not answered: 9条の2 and 9条の3 speak of refusing, obstructing or evading the entry
# (拒み、妨げ、又は忌避) and of not answering the order to appear (出頭の求めに応じない).
ENTRY_REFUSED = frozenset({OUT.REFUSED})
APPEARANCE_REFUSED = frozenset({OUT.REFUSED, OUT.NO_SHOW})


@dataclass(frozen=True)
class Record:
    """What the ladder looks at: the outcomes of the attempts and the steps so far (a step
    without an outcome yet has outcome "")."""

    attempts: tuple[str, ...] = ()
    steps: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, attempts: Iterable[str], steps: Iterable[tuple[str, str]]) -> Record:
        return cls(tuple(attempts), tuple((k, o or "") for k, o in steps))

    @property
    def sighted(self) -> bool:
        return "seen" in self.attempts or any(o in SIGHTING_OUTCOMES for _, o in self.steps)

    @property
    def failed(self) -> bool:
        return any(a in FAILED_OUTCOMES for a in self.attempts)

    def had(self, kind: str, outcomes: Iterable[str] | None = None) -> bool:
        wanted = None if outcomes is None else set(outcomes)
        return any(k == kind and (wanted is None or o in wanted) for k, o in self.steps)


def refusal(kind: str, record: Record) -> str | None:
    """Why a step of `kind` may not be recorded now (None: it may)."""
    if kind not in K.values:
        return MSG_KIND
    if record.sighted:
        return MSG_SEEN
    if not record.failed:
        return MSG_NO_FAILED_ATTEMPT
    if kind in (K.APPEARANCE, K.ENTRY, K.POLICE):
        return None
    if kind == K.REAPPEARANCE:
        return None if record.had(K.ENTRY, ENTRY_REFUSED) else MSG_REAPPEARANCE
    if kind == K.PERMIT_REQUEST:
        # The older order (9条の2 then 9条の3) and, since 平成28年改正, directly after the entry.
        if record.had(K.REAPPEARANCE, APPEARANCE_REFUSED) or record.had(K.ENTRY, ENTRY_REFUSED):
            return None
        return MSG_PERMIT
    # 臨検・捜索
    return None if record.had(K.PERMIT_REQUEST, {OUT.GRANTED}) else MSG_SEARCH


def allowed(kind: str, record: Record) -> bool:
    return refusal(kind, record) is None


def proposed(record: Record) -> list[str]:
    """The next step(s) the case file offers, most advanced first; 援助要請 always last."""
    if record.sighted or not record.failed:
        return []
    if record.had(K.PERMIT_REQUEST, {OUT.GRANTED}):
        found = [K.SEARCH]
    elif record.had(K.PERMIT_REQUEST, {""}):
        found = []  # waiting for the judge
    elif record.had(K.ENTRY, ENTRY_REFUSED) or record.had(K.REAPPEARANCE, APPEARANCE_REFUSED):
        found = []
        if not record.had(K.REAPPEARANCE):
            found.append(K.REAPPEARANCE)
        found.append(K.PERMIT_REQUEST)
    else:
        found = [K.APPEARANCE, K.ENTRY]
    return [*found, K.POLICE]
