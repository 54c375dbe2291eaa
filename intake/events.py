"""Intake's acts on a case timeline (registered with casework.events; rendered at display)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.events import register_event_kind


@register_event_kind("intake_accepted", gettext_lazy("受理"))
def _accepted(p, s):
    return _("%(number)s（%(category)s・%(channel)s）を受理") % p
