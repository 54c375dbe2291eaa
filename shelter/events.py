"""The shelter's acts on a case timeline (registered with casework.events; rendered at display).

Where the child is entrusted (委託先) is personal: it is kept in the event's encrypted part."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.events import day, register_event_kind, with_note


@register_event_kind("protection_decided", gettext_lazy("一時保護決定"))
def _decided(p, s):
    return _("一時保護を決定（%(kind)s・%(grounds)s、決定日 %(day)s）。入所待ち") % {
        **p,
        "day": day(p["decided_on"]),
    }


@register_event_kind("protection_cancelled", gettext_lazy("一時保護決定"))
def _cancelled(p, s):
    return with_note(
        _("一時保護決定（%(day)s）を取消し") % {"day": day(p["decided_on"])}, s.get("reason")
    )


@register_event_kind("stay_admitted", gettext_lazy("一時保護"))
def _admitted(p, s):
    start = day(p["started_on"])
    if p.get("entrusted"):
        return _("委託一時保護を開始（委託先：%(place)s、開始日 %(day)s）") % {
            "place": s.get("place", "—"),
            "day": start,
        }
    text = _("一時保護所に入所（%(room)s・ベッド %(bed)s、開始日 %(day)s）") % {**p, "day": start}
    if not p.get("mismatch"):
        return text
    reason = (s or {}).get("mismatch_reason")
    if reason:
        return _("%(text)s。%(note)s区分の違う部屋とした理由：%(reason)s") % {
            "text": text,
            "note": p["mismatch"],
            "reason": reason,
        }
    return f"{text}。{p['mismatch']}"


@register_event_kind("stay_moved", gettext_lazy("一時保護"))
def _moved(p, s):
    return _("一時保護所内でベッドを移動（%(from)s → %(to)s、%(day)s）") % {
        **p,
        "day": day(p["moved_on"]),
    }


@register_event_kind("stay_discharged", gettext_lazy("一時保護"))
def _discharged(p, s):
    return _("一時保護を解除（%(day)s、退所先：%(destination)s）") % {
        **p,
        "day": day(p["ended_on"]),
    }


@register_event_kind("stay_consent", gettext_lazy("一時保護"))
def _consent(p, s):
    what = _("親権者等の同意を確認") if p.get("consent") else _("親権者等の同意がないことを確認")
    return _("一時保護：%(what)s（%(day)s）") % {"what": what, "day": day(p["on"])}


@register_event_kind("stay_warrant_requested", gettext_lazy("一時保護状"))
def _warrant_requested(p, s):
    text = _("一時保護状を請求（%(day)s）") % {"day": day(p["requested_on"])}
    if p.get("late"):
        text += _("（期限 %(due)s を過ぎての請求）") % {"due": day(p["due"])}
    return text


@register_event_kind("stay_warrant_decided", gettext_lazy("一時保護状"))
def _warrant_decided(p, s):
    text = _("一時保護状が%(result)s（%(day)s）") % {**p, "day": day(p["decided_on"])}
    if p.get("refused"):
        text += _("。保護を解除するか、準抗告を記録してください")
    return text


@register_event_kind("stay_appeal", gettext_lazy("一時保護状"))
def _appeal(p, s):
    text = (
        _("準抗告を申立（%(day)s）") % {"day": day(p["appeal_on"])}
        if p.get("first")
        else _("準抗告")
    )
    return f"{text}：{p['result']}" if p.get("result") else text


@register_event_kind("stay_extension_requested", gettext_lazy("一時保護の延長"))
def _extension_requested(p, s):
    how = _("親権者等の同意により延長") if p.get("consent") else _("家庭裁判所に延長の承認を申立")
    return _("一時保護：%(how)s（%(start)s〜%(end)s）") % {
        "how": how,
        "start": day(p["start"]),
        "end": day(p["end"]),
    }


@register_event_kind("stay_extension_decided", gettext_lazy("一時保護の延長"))
def _extension_decided(p, s):
    verdict = _("承認") if p.get("approved") else _("不承認")
    text = _("家庭裁判所が一時保護の延長を%(verdict)s（%(day)s）") % {
        "verdict": verdict,
        "day": day(p["decided_on"]),
    }
    if not p.get("approved"):
        text += _("。期間の末日までに保護を解除してください")
    return text


@register_event_kind("stay_school", gettext_lazy("学校連携"))
def _school(p, s):
    return _("一時保護中の学校との連携を記録")
