"""Codes of the 要対協 register (DOMAIN §10)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    SCHOOL = "school", _("学校")
    NURSERY = "nursery", _("保育所・幼稚園")
    HEALTH = "health", _("保健センター")
    POLICE = "police", _("警察")
    VOLUNTEER = "volunteer", _("民生・児童委員")
    MEDICAL = "medical", _("医療機関")
    GUIDANCE = "guidance", _("児童相談所")
    CENTRE = "centre", _("子ども家庭支援センター")
    OTHER = "other", _("その他")


class EntryKind(models.TextChoices):
    """The three groups the council covers (DOMAIN §10)."""

    PROTECTION = "protection", _("要保護児童")
    SUPPORT = "support", _("要支援児童")
    PREGNANT = "pregnant", _("特定妊婦")


class EntryState(models.TextChoices):
    OPEN = "open", _("登録中")
    ENDED = "ended", _("登録終了")


class EntryEnd(models.TextChoices):
    CLOSED = "closed", _("終結")
    MOVED = "moved", _("転出")
    TRANSFERRED = "transferred", _("児童相談所のケースへ移行")


class SessionState(models.TextChoices):
    PLANNED = "planned", _("開催予定")
    HELD = "held", _("開催済み")


class LegalBasis(models.TextChoices):
    """Why a member agency may be shown an entry, and the duty that binds it."""

    SHARING = "art25_2", _("児童福祉法25条の2（協議会における情報の交換・協議）")
    CONFIDENTIALITY = "art25_5", _("児童福祉法25条の5（協議会構成員の守秘義務）")
