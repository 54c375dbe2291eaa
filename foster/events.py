"""Placements on a case timeline (registered with casework.events; rendered at display).

The home's name is personal (a family's name): it is kept in the event's encrypted part."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.events import day, register_event_kind, with_note


@register_event_kind("placement_proposed", gettext_lazy("里親委託"))
def _proposed(p, s):
    return _("里親委託を提案（%(home)s、開始予定日 %(day)s）。里親担当の確認待ち") % {
        "home": s.get("home", "—"),
        "day": day(p["planned_start"]),
    }


@register_event_kind("placement_started", gettext_lazy("里親委託"))
def _started(p, s):
    return _("里親委託を開始（%(home)s、委託開始日 %(day)s）") % {
        "home": s.get("home", "—"),
        "day": day(p["started_on"]),
    }


@register_event_kind("placement_withdrawn", gettext_lazy("里親委託"))
def _withdrawn(p, s):
    return with_note(
        _("里親委託の提案（開始予定日 %(day)s）を取下げ") % {"day": day(p["planned_start"])},
        s.get("reason"),
    )


@register_event_kind("placement_ended", gettext_lazy("里親委託"))
def _ended(p, s):
    return with_note(
        _("里親委託を終了（%(home)s、%(day)s、%(kind)s）")
        % {"home": s.get("home", "—"), "day": day(p["ended_on"]), "kind": p.get("end_kind", "")},
        s.get("reason"),
    )
