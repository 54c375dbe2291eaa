"""Reads for the register's pages that more than one place needs: the rows of a handout."""

from __future__ import annotations

from dataclasses import dataclass

from network.models import Agency, AgendaItem, EntryAgency, Review, Session

# What a handout shows per entry (the minimum, DOMAIN §10): the register number, the group, the
# kana initials and age (or expected month), the lead agency; the last 援助方針 only to the
# lead agency and the agencies involved in the entry. Never a name, address, reason or
# situation.
SHOWN_ALL = "登録番号・区分・イニシャル・年齢（出産予定月）・主担当機関"
SHOWN_INVOLVED = SHOWN_ALL + "・前回の援助方針"


@dataclass
class HandoutRow:
    item: AgendaItem
    involved: bool
    policy: str


def handout_rows(
    session: Session, agency: Agency, only: set[int] | None = None
) -> list[HandoutRow]:
    """A session's agenda as one member agency may be shown it (`only`: these entries)."""
    items = (
        session.items.filter(active=True)
        .select_related("entry__child", "entry__lead_agency")
        .order_by("due_on", "entry_id")
    )
    if only is not None:
        items = items.filter(entry_id__in=sorted(only))
    items = list(items)
    entry_ids = [i.entry_id for i in items]
    involved = set(
        EntryAgency.objects.filter(entry_id__in=entry_ids, agency=agency, active=True).values_list(
            "entry_id", flat=True
        )
    )
    latest: dict[int, str] = {}
    for review in Review.objects.filter(entry_id__in=entry_ids).order_by("session__held_on", "pk"):
        latest[review.entry_id] = review.policy
    rows = []
    for item in items:
        sees = item.entry.lead_agency_id == agency.pk or item.entry_id in involved
        rows.append(HandoutRow(item, sees, latest.get(item.entry_id, "") if sees else ""))
    return rows
