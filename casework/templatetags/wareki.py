"""Template filters for dates and deadlines: 和暦 with the Western date, time left in words."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

from casework import wareki as wareki_lib

register = template.Library()


@register.filter
def wareki(value: date | datetime | None, fmt: str = "") -> str:
    """令和7年12月19日（金）. `|wareki:"short"` drops the weekday."""
    if not value:
        return ""
    return wareki_lib.wareki_safe(value, weekday=fmt != "short")


@register.filter
def wareki_western(value: date | datetime | None) -> str:
    """令和7年12月19日（金） 2025-12-19 — both, where space allows (UI.md)."""
    if not value:
        return ""
    day = value
    if isinstance(value, datetime):
        day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    text = wareki_lib.wareki_safe(value)
    if text == day.isoformat():
        return text
    return format_html('{} <span class="western">{}</span>', text, day.isoformat())


@register.filter
def wareki_datetime(value: datetime | None) -> str:
    """令和7年12月19日（金） 14:05 in Asia/Tokyo."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{wareki_lib.wareki_safe(local)} {local:%H:%M}"


@register.filter
def fiscal_year_label(value: int) -> str:
    return wareki_lib.fiscal_year_label(int(value))


def time_left_words(delta: timedelta) -> tuple[str, bool]:
    """(「あと 5時間12分」 or 「3日超過」, overdue?) for a deadline (UI.md)."""
    seconds = int(delta.total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days >= 1:
        amount = f"{days}日" + (f"{hours}時間" if days < 3 and hours else "")
    elif hours >= 1:
        amount = f"{hours}時間{minutes}分"
    else:
        amount = f"{minutes}分"
    return (f"{amount}超過", True) if overdue else (f"あと {amount}", False)


@register.simple_tag
def deadline(due: datetime | date | None, now: datetime | None = None):
    """A deadline badge: time left, or 期限超過 in red and in words (colour never alone)."""
    if not due:
        return ""
    now = now or timezone.now()
    if not isinstance(due, datetime):
        # A date deadline ends at the end of that day, Asia/Tokyo.
        due = timezone.make_aware(datetime.combine(due + timedelta(days=1), datetime.min.time()))
    text, overdue = time_left_words(due - now)
    if overdue:
        return format_html(
            '<span class="deadline deadline--overdue"><strong>期限超過</strong> {}</span>', text
        )
    css = "deadline--soon" if due - now < timedelta(days=1) else "deadline--ok"
    return format_html('<span class="deadline {}">{}</span>', css, text)


@register.filter
def age_today(child) -> str:
    """Age today in Asia/Tokyo: 「8歳」."""
    if child is None or not getattr(child, "birth_date", None):
        return ""
    return f"{child.age_on(timezone.localdate())}歳"


@register.filter
def days_since(value: date | datetime | None) -> int | str:
    """Whole days from `value` (a date, or a moment's day in Tokyo) to today in Tokyo."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return (timezone.localdate() - value).days
