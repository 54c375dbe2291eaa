"""Codes and labels for the shelter (DOMAIN.md §4; PRODUCT.md §3 Shelter)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomSex(models.TextChoices):
    """Rooms are assigned with sex and age in mind (令和6年内閣府令27号)."""

    MALE = "M", _("男子")
    FEMALE = "F", _("女子")
    MIXED = "mixed", _("男女可")


class AgeBand(models.TextChoices):
    INFANT = "infant", _("幼児")
    SCHOOL = "school", _("学齢")
    ANY = "any", _("年齢指定なし")


class StayKind(models.TextChoices):
    """一時保護所 in a bed, or 委託一時保護 entrusted elsewhere (no bed, counted separately)."""

    SHELTER = "shelter", _("一時保護所")
    ENTRUSTED = "entrusted", _("委託一時保護")


class Grounds(models.TextChoices):
    """The seven grounds of 施行規則35条の3 (DOMAIN §4)."""

    ABUSE = "abuse", _("虐待・虐待のおそれ")
    REFERRAL = "referral", _("警察・少年法による送致・通告")
    DANGER = "danger", _("自傷他害のおそれ")
    CHILD_ASKS = "child_asks", _("児童本人の希望")
    GUARDIAN_ABSENT = "guardian_absent", _("保護者の死亡・行方不明・拘禁・入院、児童の家出等")
    GUARDIAN_ASKS = "guardian_asks", _("保護者の希望")
    OTHER_DANGER = "other_danger", _("その他の重大な危険")


class WarrantResult(models.TextChoices):
    """一時保護状 (judicial review, in force 2025-06-01)."""

    NONE = "", _("未決定")
    GRANTED = "granted", _("発付")
    REFUSED = "refused", _("却下")


class AppealResult(models.TextChoices):
    NONE = "", _("判断待ち")
    GRANTED = "granted", _("認容（保護継続）")
    REFUSED = "refused", _("棄却")


class Destination(models.TextChoices):
    """Where a child goes on discharge (PRODUCT §3; DOMAIN §9)."""

    HOME = "home", _("家庭復帰")
    INFANT_HOME = "infant_home", _("乳児院")
    CHILDRENS_HOME = "childrens_home", _("児童養護施設")
    FOSTER = "foster", _("里親委託")
    OTHER = "other", _("その他")


class Attendance(models.TextChoices):
    """How attendance and the school enrolment (学籍) are kept during protection."""

    UNDECIDED = "", _("未調整")
    IN_SHELTER = "in_shelter", _("保護所内で学習（出席扱い）")
    COMMUTE = "commute", _("在籍校へ通学")
    ABSENT = "absent", _("欠席扱い（学籍は在籍校）")
    NOT_SCHOOL_AGE = "not_school_age", _("未就学・対象外")


class DecisionState(models.TextChoices):
    """A protection decision (一時保護決定) waits for admission, is carried out, or cancelled."""

    PENDING = "pending", _("入所待ち")
    ADMITTED = "admitted", _("入所済み")
    CANCELLED = "cancelled", _("取消し")
