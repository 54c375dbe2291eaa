"""Codes and labels of the foster app (DOMAIN §5; issue 10)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choices import FosterType  # noqa: F401  (re-exported: the foster app's own code)


class Stage(models.IntegerChoices):
    """The centre leaflet's six stages, in order (DOMAIN §5)."""

    EXPLANATION = 1, _("制度説明")
    TRAINING = 2, _("認定前研修")
    APPLICATION = 3, _("申請書提出")
    HOME_STUDY = 4, _("家庭調査")
    COUNCIL = 5, _("児童福祉審議会")
    CERTIFICATION = 6, _("認定・登録")


FIRST_STAGE, LAST_STAGE = Stage.EXPLANATION, Stage.CERTIFICATION


class ApplicantStatus(models.TextChoices):
    ACTIVE = "active", _("手続き中")
    CERTIFIED = "certified", _("認定・登録済み")
    WITHDRAWN = "withdrawn", _("辞退")
    DECLINED = "declined", _("不認定・見送り")


CLOSED_STATUSES = (ApplicantStatus.WITHDRAWN, ApplicantStatus.DECLINED)


class StepOutcome(models.TextChoices):
    COMPLETED = "completed", _("完了")
    APPROVED = "approved", _("認定適当（承認）")
    NOT_APPROVED = "not_approved", _("認定不適当")


class HeardFrom(models.TextChoices):
    """How the household heard of the programme (for the centre's outreach)."""

    LEAFLET = "leaflet", _("リーフレット・広報誌")
    WEBSITE = "website", _("区・都のホームページ")
    EVENT = "event", _("説明会・イベント")
    ACQUAINTANCE = "acquaintance", _("知人・里親から")
    AGENCY = "agency", _("関係機関から")
    OTHER = "other", _("その他")


class Course(models.TextChoices):
    """Training courses (Tokyo: basic and pre-registration before certification; renewal)."""

    BASIC = "basic", _("基礎研修")
    PRE_REGISTRATION = "pre_registration", _("登録前研修")
    RENEWAL = "renewal", _("更新研修")


PRE_CERTIFICATION_COURSES = (Course.BASIC, Course.PRE_REGISTRATION)


class HomeStatus(models.TextChoices):
    ACTIVE = "active", _("登録中")
    ENDED = "ended", _("登録終了")


class PlacementState(models.TextChoices):
    PROPOSED = "proposed", _("委託の提案（確認待ち）")
    ACTIVE = "active", _("委託中")
    ENDED = "ended", _("委託終了")
    WITHDRAWN = "withdrawn", _("提案の取下げ")


class PlacementEnd(models.TextChoices):
    HOME = "home", _("家庭復帰")
    ADOPTION = "adoption", _("特別養子縁組の成立")
    INDEPENDENCE = "independence", _("自立")
    INSTITUTION = "institution", _("施設へ措置変更")
    OTHER_HOME = "other_home", _("他の里親へ措置変更")
    OTHER = "other", _("その他")
