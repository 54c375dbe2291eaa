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


class AttemptOutcome(models.TextChoices):
    """What came of a safety-confirmation attempt (issue 14 item 3). Only 目視できた is a
    sighting and stops the 48-hour clock; 不在 and 拒否 are the failed attempts after which the
    ladder of legal steps is proposed (DOMAIN §3)."""

    ABSENT = "absent", _("不在")
    REFUSED = "refused", _("拒否")
    SEEN = "seen", _("目視できた")
    NOT_SEEN = "not_seen", _("目視できず（電話・情報のみ）")


# The outcomes after which the ladder of legal steps opens (児童虐待防止法 8条の2 ff.).
FAILED_OUTCOMES = frozenset({AttemptOutcome.ABSENT, AttemptOutcome.REFUSED})


class StepKind(models.TextChoices):
    """The legal steps when a child cannot be seen (児童虐待防止法, DOMAIN §3)."""

    APPEARANCE = "appearance", _("出頭要求")  # 8条の2
    ENTRY = "entry", _("立入調査")  # 9条
    REAPPEARANCE = "reappearance", _("再出頭要求")  # 9条の2
    PERMIT_REQUEST = "permit_request", _("許可状請求")  # 9条の3
    SEARCH = "search", _("臨検・捜索")  # 9条の3
    POLICE = "police", _("援助要請")  # 10条


class StepOutcome(models.TextChoices):
    """What came of a legal step; which apply depends on the kind (STEP_OUTCOMES)."""

    APPEARED = "appeared", _("応じた・児童を確認")
    SEEN = "seen", _("児童を確認")
    REFUSED = "refused", _("拒否・妨害")
    NO_SHOW = "no_show", _("応じず（不出頭）")
    ABSENT = "absent", _("不在")
    GRANTED = "granted", _("許可")
    REJECTED = "rejected", _("却下")
    NOT_FOUND = "not_found", _("児童を発見できず")
    ASSISTED = "assisted", _("援助を得た")
    NOT_ASSISTED = "not_assisted", _("援助を得られず")


# The outcomes each kind of step may have (the outcome form offers only these).
STEP_OUTCOMES: dict[str, tuple[str, ...]] = {
    StepKind.APPEARANCE: (StepOutcome.APPEARED, StepOutcome.NO_SHOW, StepOutcome.REFUSED),
    StepKind.ENTRY: (StepOutcome.SEEN, StepOutcome.REFUSED, StepOutcome.ABSENT),
    StepKind.REAPPEARANCE: (StepOutcome.APPEARED, StepOutcome.NO_SHOW, StepOutcome.REFUSED),
    StepKind.PERMIT_REQUEST: (StepOutcome.GRANTED, StepOutcome.REJECTED),
    StepKind.SEARCH: (StepOutcome.SEEN, StepOutcome.NOT_FOUND),
    StepKind.POLICE: (StepOutcome.ASSISTED, StepOutcome.NOT_ASSISTED),
}

# Outcomes in which the child was seen directly: they stop the 48-hour clock and end the ladder.
SIGHTING_OUTCOMES = frozenset({StepOutcome.APPEARED, StepOutcome.SEEN})
