"""Codes and labels for consultations, abuse reports and safety confirmations (DOMAIN §1–§3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How the consultation reached the centre (PRODUCT §3)."""

    PHONE = "phone", _("電話")
    HOTLINE = "hotline", _("虐待通告ダイヤル")
    VISIT = "visit", _("来所")
    WRITTEN = "written", _("文書・メール")
    TRANSFER = "transfer", _("他機関からの送致・移管")


class Urgency(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class ConsultationStatus(models.TextChoices):
    """Every consultation is counted: open until accepted into a case or closed without one."""

    OPEN = "open", _("受付中")
    ACCEPTED = "accepted", _("受理（ケース化）")
    NOT_ACCEPTED = "not_accepted", _("ケース化せず終了")


class Outcome(models.TextChoices):
    """Why a consultation was not accepted into a case (ISSUE 4 §6)."""

    ADVICE = "advice", _("助言・情報提供")
    REFERRAL = "referral", _("他機関紹介")
    OUT_OF_SCOPE = "out_of_scope", _("対象外")


class AbuseType(models.TextChoices):
    """児童虐待防止法2条: the four types; one report may have several."""

    PHYSICAL = "physical", _("身体的虐待")
    SEXUAL = "sexual", _("性的虐待")
    NEGLECT = "neglect", _("ネグレクト")
    PSYCHOLOGICAL = "psychological", _("心理的虐待")


# AbuseType code -> the Consultation boolean field that stores it (four columns, any database).
ABUSE_FIELDS: dict[str, str] = {
    AbuseType.PHYSICAL: "abuse_physical",
    AbuseType.SEXUAL: "abuse_sexual",
    AbuseType.NEGLECT: "abuse_neglect",
    AbuseType.PSYCHOLOGICAL: "abuse_psychological",
}


class Agency(models.TextChoices):
    """Who saw the child: the centre itself or a named partner agency (DOMAIN §3)."""

    CENTRE = "centre", _("当センター（児童相談所）")
    PARTNER = "partner", _("協力機関")


class SafetyMethod(models.TextChoices):
    """How the child was seen or contact was tried. Only direct sight (直接目視) stops the
    48-hour clock; a call, a visit with nobody home or word from others is recorded as an
    attempt (evidence of the effort, and the start of the next step)."""

    HOME_VISIT = "home_visit", _("家庭訪問による直接目視")
    AT_CENTRE = "at_centre", _("来所・面接による直接目視")
    AT_SCHOOL = "at_school", _("学校・保育所等での直接目視")
    AT_HOSPITAL = "at_hospital", _("医療機関での直接目視")
    PROTECTION = "protection", _("一時保護による確認")
    VISIT_NO_CONTACT = "visit_absent", _("家庭訪問（会えず）")
    PHONE = "phone", _("電話での聞き取り")
    HEARSAY = "hearsay", _("関係機関からの情報")


# The methods that are a direct sighting of the child: only these stop the 48-hour clock.
DIRECT_METHODS = frozenset(
    {
        SafetyMethod.HOME_VISIT,
        SafetyMethod.AT_CENTRE,
        SafetyMethod.AT_SCHOOL,
        SafetyMethod.AT_HOSPITAL,
        SafetyMethod.PROTECTION,
    }
)
