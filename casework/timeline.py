"""A case's timeline: notes, acts, school liaison, and what other apps register (stays…)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time

from django.utils import timezone


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # machine code for styling, e.g. "note", "event", "school", "stay"
    label: str  # the badge, in Japanese
    text: str
    actor: str = ""
    details: dict[str, str] = field(default_factory=dict)
    date_only: bool = False  # recorded by its day: shown without a made-up time


TimelineSource = Callable[[object, int], list[TimelineItem]]
_sources: list[TimelineSource] = []


def register_timeline_source(source: TimelineSource) -> TimelineSource:
    """Other apps (shelter, foster) add items without casework importing them."""
    _sources.append(source)
    return source


def _aware(value) -> datetime:
    """A moment to sort by: a datetime as it is; a day as the moment it ends (now, if today),
    so that an act recorded by its day sorts with that day, above its earlier entries."""
    if isinstance(value, datetime):
        return value
    end = timezone.make_aware(datetime.combine(value, time.max.replace(microsecond=0)))
    return min(timezone.now(), end)


day_moment = _aware


def build_timeline(case, limit: int = 200) -> list[TimelineItem]:
    """The newest `limit` items of every source, merged newest first (queries per source fixed)."""
    items: list[TimelineItem] = []
    for note in case.notes.select_related("author").order_by("-occurred_at")[:limit]:
        items.append(
            TimelineItem(
                note.occurred_at, "note", note.get_kind_display(), note.body, str(note.author)
            )
        )
    for event in case.events.select_related("actor").order_by("-at")[:limit]:
        items.append(
            TimelineItem(
                event.at,
                "event",
                event.kind_label,
                event.words,
                str(event.actor or ""),
                date_only="day" in (event.params or {}),
            )
        )
    for liaison in case.school_liaisons.select_related("author").order_by("-contacted_on")[:limit]:
        items.append(
            TimelineItem(
                _aware(liaison.contacted_on),
                "school",
                "学校連携",
                f"{liaison.school}：{liaison.agreed}",
                str(liaison.author),
                {"先方担当者": liaison.contact_person},
                date_only=True,
            )
        )
    for source in _sources:
        items.extend(source(case, limit))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
