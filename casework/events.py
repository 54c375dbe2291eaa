"""The kinds of significant act on a case (受理, 移管, 承認…) and how each reads in Japanese.

A CaseEvent stores its kind and structured parameters, never a sentence: `params` hold plain,
non-personal values (codes, ISO dates, case numbers, staff names), `secret` the free text a
worker typed or a value about the family (encrypted at rest). The sentence is rendered when a
page shows it, so it follows the language and the date style of the page (和暦), and no
personal value is ever copied into a plain column.

Other apps register their own kinds here (casework never imports them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.wareki import wareki_safe

Renderer = Callable[[dict[str, Any], dict[str, Any]], str]


@dataclass(frozen=True)
class EventKind:
    code: str
    label: Any  # the badge on the timeline and the choice label on the audit desk
    render: Renderer


_kinds: dict[str, EventKind] = {}


def register_event_kind(code: str, label: Any) -> Callable[[Renderer], Renderer]:
    """Decorator: `@register_event_kind("transferred", _("移管"))` over a renderer."""

    def decorator(render: Renderer) -> Renderer:
        _kinds[code] = EventKind(code, label, render)
        return render

    return decorator


def event_kind(code: str) -> EventKind | None:
    return _kinds.get(code)


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((k.code, str(k.label)) for k in _kinds.values()), key=lambda c: c[1])


def render_event(kind: str, params: dict[str, Any] | None, secret: dict[str, Any] | None) -> str:
    found = _kinds.get(kind)
    params, secret = params or {}, secret or {}
    if found is None:
        return secret.get("text") or params.get("text") or kind
    try:
        return found.render(params, secret)
    except (KeyError, ValueError, TypeError):
        return str(found.label)  # an older event missing a parameter still shows its kind


def day(value: str | date | None) -> str:
    """An ISO date parameter as 和暦 with the Western date."""
    if not value:
        return ""
    parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
    return wareki_safe(parsed, western=True)


def with_note(text: str, note: str | None) -> str:
    return f"{text}（{note}）" if note else text


# --- casework's own kinds ----------------------------------------------------------------


@register_event_kind("legacy", gettext_lazy("経過"))
def _legacy(p, s):
    return s.get("text", "")


@register_event_kind("accepted", gettext_lazy("受理"))
def _accepted(p, s):
    return _("ケース %(number)s を受理（主担当：%(lead)s）") % p


@register_event_kind("assigned", gettext_lazy("担当"))
def _assigned(p, s):
    return _("%(user)s を%(role)sとして割当") % p


@register_event_kind("unassigned", gettext_lazy("担当"))
def _unassigned(p, s):
    return with_note(_("%(user)s の担当を解除") % p, s.get("reason"))


@register_event_kind("status", gettext_lazy("状態"))
def _status(p, s):
    return with_note(_("状態を「%(before)s」から「%(after)s」へ変更") % p, s.get("reason"))


@register_event_kind("plan_requested", gettext_lazy("援助方針"))
def _plan_requested(p, s):
    return _("援助方針「%(plan)s」の承認を申請") % p


@register_event_kind("plan_decided", gettext_lazy("援助方針"))
def _plan_decided(p, s):
    text = _("援助方針「%(plan)s」を承認") % p if p.get("approved") else _("援助方針を差戻し")
    return with_note(text, s.get("comment"))


@register_event_kind("closure_requested", gettext_lazy("終結"))
def _closure_requested(p, s):
    return _("終結（%(outcome)s）の承認を申請") % p


@register_event_kind("closure_decided", gettext_lazy("終結"))
def _closure_decided(p, s):
    if p.get("approved"):
        text = _("終結を承認（%(outcome)s、終結日 %(day)s）") % {
            "outcome": p.get("outcome", ""),
            "day": day(p.get("closed_on")),
        }
    else:
        text = _("終結申請を差戻し")
    return with_note(text, s.get("comment"))


@register_event_kind("transferred", gettext_lazy("移管"))
def _transferred(p, s):
    return with_note(
        _("%(old_team)s・%(old_lead)s から %(team)s・%(lead)s へ移管") % p, s.get("reason")
    )


@register_event_kind("shared", gettext_lazy("共有"))
def _shared(p, s):
    return with_note(_("%(user)s（%(team)s）に閲覧のみ共有") % p, s.get("reason"))


@register_event_kind("unshared", gettext_lazy("共有"))
def _unshared(p, s):
    return _("%(user)s への共有を終了") % p


# --- 意見聴取等措置 (DOMAIN §11) -------------------------------------------------------------


@register_event_kind("views_heard", gettext_lazy("意見聴取"))
def _views_heard(p, s):
    return _(
        "%(decision)sの決定（%(decided_on)s）の前に子どもの意見を聴取（%(heard_on)s・%(method)s・"
        "意見表明等支援員：%(advocate)s）"
    ) % {**p, "decided_on": day(p["decided_on"]), "heard_on": day(p["heard_on"])}


@register_event_kind("views_deferred", gettext_lazy("意見聴取"))
def _views_deferred(p, s):
    return _(
        "%(decision)sの決定（%(decided_on)s）の前に子どもの意見を聴取できず（%(why)s）。"
        "%(due_on)sまでに聴取"
    ) % {**p, "decided_on": day(p["decided_on"]), "due_on": day(p["due_on"])}


@register_event_kind("views_heard_afterwards", gettext_lazy("意見聴取"))
def _views_heard_afterwards(p, s):
    text = _(
        "%(decision)sの決定（%(decided_on)s）の後に子どもの意見を聴取（%(heard_on)s・%(method)s・"
        "意見表明等支援員：%(advocate)s）"
    ) % {**p, "decided_on": day(p["decided_on"]), "heard_on": day(p["heard_on"])}
    return with_note(text, _("期限後") if p.get("late") else None)


@register_event_kind("views_feedback", gettext_lazy("意見聴取"))
def _views_feedback(p, s):
    return _("%(decision)sの決定と理由を子どもに説明（%(feedback_on)s）") % {
        **p,
        "feedback_on": day(p["feedback_on"]),
    }
