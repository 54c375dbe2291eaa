"""Rooms, beds, stays (一時保護) and their warrants, extensions and bed moves.

The invariants live in the database, not only in Python (ISSUE 5):
- one child per bed at a time: `stay_one_active_per_bed` and `bedassignment_one_open_per_bed`
  on both databases, and on PostgreSQL an exclusion constraint over (bed, period) on
  BedAssignment (migration 0002, btree_gist) that also covers back-dated periods;
- one active stay per child: `stay_one_active_per_child` (PostgreSQL also excludes overlapping
  periods for the same child);
- never more children than beds: an active shelter stay must hold a bed
  (`stay_shelter_has_bed`) and a bed holds one active stay, so the count of children in the
  house cannot exceed the number of beds. The services lock the active beds before counting,
  which turns a race into the Japanese message 「満床」 instead of a database error.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework import rules
from casework.choices import Role
from casework.fields import EncryptedCharField, EncryptedTextField, RowBound
from casework.models import Case
from casework.models.scoping import NEVER, Scoped, ScopedQuerySet, any_of
from shelter.choices import (
    AgeBand,
    AppealResult,
    Attendance,
    DecisionState,
    Destination,
    Grounds,
    RoomSex,
    StayKind,
    WarrantResult,
)

# --- the shelter's rules, written once --------------------------------------------------------
#
# - Shelter staff see the children in protection now or discharged in the last RECENT_DAYS
#   days, and the children with a pending protection decision — only what daily care needs,
#   never case files (PRODUCT §2).
# - Supervisors share the board (the shelter serves every team) and may admit, move and
#   discharge; they see the stays and decisions of the cases they may open.
# - Caseworkers see the stays and decisions of the cases they may open; whoever may change the
#   case records consent, warrants, extensions and school liaison, and decides protection.

RECENT_DAYS = 30
BOARD_ROLES = (Role.SHELTER, Role.SUPERVISOR)  # the board; admit, move and discharge


def recent_condition(prefix: str = "") -> Q:
    """Stays in protection now or ended in the last RECENT_DAYS days."""
    since = timezone.localdate() - timedelta(days=RECENT_DAYS)
    return Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": since})


def _case_rule(user, action: str, ref: str = "case_id") -> Q:
    return Q(Exists(Case.objects.restrict(user, action).filter(pk=OuterRef(ref))))


# Rooms marked 学齢 are for primary-school age and up (令和6年内閣府令27号): from the day of
# primary-school entry, by the 1 April rule (casework.rules.is_school_age, DOMAIN §6).


class Room(models.Model):
    """A room of the shelter; individual by default, a few twin rooms (DOMAIN §4)."""

    name = models.CharField(_("部屋名"), max_length=40, unique=True)
    sex = models.CharField(_("男女の別"), max_length=6, choices=RoomSex.choices)
    age_band = models.CharField(_("年齢区分"), max_length=8, choices=AgeBand.choices)
    active = models.BooleanField(_("使用中の部屋"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("居室")
        verbose_name_plural = _("居室")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sort_order__lte=32767), name="room_sort_order_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def marking(self) -> str:
        """「男子・学齢」: what the room is meant for."""
        return f"{self.get_sex_display()}・{self.get_age_band_display()}"

    def mismatch(self, child, on: date) -> str:
        """A note when the room is marked for another sex or age band than the child's (rooms
        are assigned with sex and age in mind; a note, not a refusal: staff decide)."""
        notes = []
        if self.sex != RoomSex.MIXED and child.sex != self.sex:
            notes.append(self.get_sex_display())
        school_age = rules.is_school_age(child.birth_date, on)
        if (self.age_band == AgeBand.INFANT and school_age) or (
            self.age_band == AgeBand.SCHOOL and not school_age
        ):
            notes.append(self.get_age_band_display())
        if not notes:
            return ""
        return f"{self.name} は{'・'.join(notes)}用の部屋です。"


class Bed(models.Model):
    """A place in the shelter. Capacity is the number of active beds in active rooms."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="beds")
    label = models.CharField(_("ベッド"), max_length=20, unique=True)
    active = models.BooleanField(_("使用可"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ベッド")
        verbose_name_plural = _("ベッド")
        ordering = ["room__sort_order", "sort_order", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sort_order__lte=32767), name="bed_sort_order_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class StayQuerySet(ScopedQuerySet):
    """view: the board's roles (recent stays), and who may open the stay's case. manage (move,
    discharge): the board's roles. record (consent, warrant, extension, school): the board's
    roles and who may change the case."""

    actions = ("view", "manage", "record")

    def rule(self, user, action: str) -> Q:
        board = user.has_role(*BOARD_ROLES)
        if action == "view":
            return any_of([recent_condition() if board else None, _case_rule(user, "view")])
        if action == "manage":
            return Q(pk__isnull=False) if board else NEVER
        return Q(pk__isnull=False) if board else _case_rule(user, "change")

    def active(self) -> StayQuerySet:
        return self.filter(ended_on__isnull=True)

    def in_house(self) -> StayQuerySet:
        """Children in a bed now (委託 stays are counted separately)."""
        return self.active().filter(kind=StayKind.SHELTER)

    def for_board(self) -> StayQuerySet:
        return self.select_related("child", "bed", "bed__room", "case").prefetch_related(
            "extensions"
        )


class Stay(Scoped, RowBound, models.Model):
    """A period of temporary protection (一時保護) of a child with an open case."""

    child = models.ForeignKey(
        "casework.Child", on_delete=models.PROTECT, related_name="stays", verbose_name=_("児童")
    )
    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="stays", verbose_name=_("ケース")
    )
    decision = models.OneToOneField(
        "ProtectionDecision",
        on_delete=models.PROTECT,
        related_name="stay",
        null=True,
        blank=True,
        verbose_name=_("一時保護決定"),
    )
    kind = models.CharField(
        _("保護の形態"), max_length=10, choices=StayKind.choices, default=StayKind.SHELTER
    )
    entrusted_to = EncryptedCharField(_("委託先"), max_length=100, blank=True)
    grounds = models.CharField(_("一時保護の理由"), max_length=20, choices=Grounds.choices)
    started_on = models.DateField(_("保護開始日"))
    planned_end_on = models.DateField(_("解除予定日"), null=True, blank=True)
    bed = models.ForeignKey(
        Bed,
        on_delete=models.PROTECT,
        related_name="stays",
        null=True,
        blank=True,
        verbose_name=_("ベッド"),
    )
    parental_consent = models.BooleanField(_("親権者等の同意"), default=False)
    consent_recorded_on = models.DateField(_("同意の確認日"), null=True, blank=True)

    warrant_requested_on = models.DateField(_("一時保護状の請求日"), null=True, blank=True)
    warrant_decided_on = models.DateField(_("裁判官の判断日"), null=True, blank=True)
    warrant_result = models.CharField(
        _("一時保護状"), max_length=10, choices=WarrantResult.choices, blank=True
    )
    appeal_on = models.DateField(_("準抗告の申立日"), null=True, blank=True)
    appeal_result = models.CharField(
        _("準抗告の結果"), max_length=10, choices=AppealResult.choices, blank=True
    )

    ended_on = models.DateField(_("退所日（解除日）"), null=True, blank=True)
    destination = models.CharField(
        _("退所先"), max_length=20, choices=Destination.choices, blank=True
    )
    discharge_reason = EncryptedTextField(_("解除の理由"), blank=True)

    school = EncryptedCharField(_("在籍校"), max_length=100, blank=True)
    school_contacted_on = models.DateField(_("学校への連絡日"), null=True, blank=True)
    school_contact = EncryptedCharField(_("学校の連絡先・担当者"), max_length=120, blank=True)
    attendance = models.CharField(
        _("出席・学籍の扱い"), max_length=20, choices=Attendance.choices, blank=True
    )
    attendance_note = EncryptedTextField(_("出席・学籍についての取り決め"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = StayQuerySet.as_manager()

    class Meta:
        verbose_name = _("一時保護")
        verbose_name_plural = _("一時保護")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(ended_on__isnull=True),
                name="stay_one_active_per_child",
                violation_error_message=_("この児童はすでに一時保護中です。"),
            ),
            models.UniqueConstraint(
                fields=["bed"],
                condition=Q(ended_on__isnull=True),
                name="stay_one_active_per_bed",
                violation_error_message=_("ベッド使用中です。別のベッドを選んでください。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind=StayKind.SHELTER, ended_on__isnull=True, bed__isnull=True),
                name="stay_shelter_has_bed",
                violation_error_message=_("一時保護所での保護にはベッドが必要です。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind=StayKind.ENTRUSTED, bed__isnull=False),
                name="stay_entrusted_has_no_bed",
                violation_error_message=_("委託一時保護ではベッドを使いません。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="stay_ends_after_start",
                violation_error_message=_("退所日は保護開始日以降の日付にしてください。"),
            ),
        ]
        indexes = [
            models.Index(fields=["ended_on"], name="stay_ended_on"),
            models.Index(fields=["case", "-started_on"], name="stay_case_started"),
        ]

    def __str__(self) -> str:
        return f"{self.child} {self.get_kind_display()} {self.started_on}"

    def clean(self) -> None:
        if self.case_id and self.child_id and self.case.child_id != self.child_id:
            raise ValidationError(_("ケースの児童と一時保護の児童が一致しません。"))

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    @property
    def in_house(self) -> bool:
        return self.kind == StayKind.SHELTER

    def clock(self, today: date | None = None):
        """Days in care and the legal deadlines (shelter/clock.py)."""
        from shelter.clock import stay_clock

        return stay_clock(self, today)


class BedAssignment(models.Model):
    """Which bed a stay held and when: [from_date, to_date), to_date empty while it lasts."""

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="assignments")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="assignments")
    from_date = models.DateField(_("開始日"))
    to_date = models.DateField(_("終了日"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ベッドの割当")
        verbose_name_plural = _("ベッドの割当")
        ordering = ["from_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"],
                condition=Q(to_date__isnull=True),
                name="bedassignment_one_open_per_bed",
                violation_error_message=_("ベッド使用中です。別のベッドを選んでください。"),
            ),
            models.UniqueConstraint(
                fields=["stay"],
                condition=Q(to_date__isnull=True),
                name="bedassignment_one_open_per_stay",
            ),
            models.CheckConstraint(
                condition=Q(to_date__isnull=True) | Q(to_date__gte=models.F("from_date")),
                name="bedassignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bed} {self.from_date}–{self.to_date or ''}"


class Extension(RowBound, models.Model):
    """A further two-month period (児童福祉法33条). Against the will of the person with parental
    authority it needs the family court's approval; with their consent the centre decides."""

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="extensions")
    period_start = models.DateField(_("延長期間の初日"))
    period_end = models.DateField(_("延長期間の末日"))
    parental_consent = models.BooleanField(_("親権者等の同意"), default=False)
    requested_on = models.DateField(_("申立日（決定日）"))
    decided_on = models.DateField(_("承認の判断日"), null=True, blank=True)
    approved = models.BooleanField(_("承認"), null=True, blank=True)
    court_case_ref = models.CharField(_("家庭裁判所の事件番号"), max_length=40, blank=True)
    note = EncryptedTextField(_("備考"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一時保護の延長")
        verbose_name_plural = _("一時保護の延長")
        ordering = ["period_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="extension_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["stay", "period_start"],
                condition=~Q(approved=False),
                name="extension_one_per_period",
                violation_error_message=_("この期間の延長はすでに記録されています。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}"

    @property
    def pending(self) -> bool:
        return self.approved is None

    @property
    def state_label(self) -> str:
        if self.approved is None:
            return "家庭裁判所に申立中"
        if not self.approved:
            return "不承認"
        return "同意により延長" if self.parental_consent else "家庭裁判所が承認"


class DecisionQuerySet(ScopedQuerySet):
    """view: shelter staff the pending decisions (the admission list) and those closed in the
    last RECENT_DAYS days (so that two staff admitting the same child at once are told it is
    done, not refused); everyone who may open the case. admit: shelter staff, and supervisors
    for the cases they may open. cancel: who may change the case."""

    actions = ("view", "admit", "cancel")

    def rule(self, user, action: str) -> Q:
        since = timezone.now() - timedelta(days=RECENT_DAYS)
        current = Q(state=DecisionState.PENDING) | Q(closed_at__gte=since)
        shelter = current if user.has_role(Role.SHELTER) else None
        if action == "view":
            return any_of([shelter, _case_rule(user, "view")])
        if action == "admit":
            supervisor = _case_rule(user, "view") if user.has_role(Role.SUPERVISOR) else None
            return any_of([shelter, supervisor])
        return _case_rule(user, "change")

    def pending(self) -> DecisionQuerySet:
        return self.filter(state=DecisionState.PENDING)


class ProtectionDecision(Scoped, RowBound, models.Model):
    """一時保護決定: the centre decides to protect a child of an open case (recorded on the case
    file by its supervisor or assigned worker); shelter staff then admit the child from the
    list of pending decisions (PRODUCT §3). The stay's start date is the day the child was
    actually placed, recorded at admission (DOMAIN §4)."""

    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        related_name="protection_decisions",
        verbose_name=_("ケース"),
    )
    child = models.ForeignKey(
        "casework.Child",
        on_delete=models.PROTECT,
        related_name="protection_decisions",
        verbose_name=_("児童"),
    )
    decided_on = models.DateField(_("決定日"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("決定を記録した職員"),
    )
    grounds = models.CharField(_("一時保護の理由"), max_length=20, choices=Grounds.choices)
    kind = models.CharField(
        _("保護の形態"), max_length=10, choices=StayKind.choices, default=StayKind.SHELTER
    )
    notes = EncryptedTextField(_("申し送り事項"), blank=True)
    state = models.CharField(
        _("状態"), max_length=10, choices=DecisionState.choices, default=DecisionState.PENDING
    )
    cancelled_reason = EncryptedTextField(_("取消しの理由"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("入所・取消しを記録した職員"),
    )
    closed_at = models.DateTimeField(_("入所・取消しの日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    history = HistoricalRecords()

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("一時保護決定")
        verbose_name_plural = _("一時保護決定")
        ordering = ["decided_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(state=DecisionState.PENDING),
                name="decision_one_pending_per_child",
                violation_error_message=_("この児童には入所待ちの一時保護決定がすでにあります。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_grounds_display()} {self.decided_on}"

    @property
    def is_pending(self) -> bool:
        return self.state == DecisionState.PENDING


def child_rule(user, action: str) -> Q | None:
    """Registered with casework: shelter staff see, for daily care only, the children in the
    shelter now or lately and the children waiting to be admitted."""
    if action not in ("view", "care") or not user.has_role(Role.SHELTER):
        return None
    stays = Stay.objects.filter(recent_condition(), child_id=OuterRef("pk"))
    waiting = ProtectionDecision.objects.filter(
        state=DecisionState.PENDING, child_id=OuterRef("pk")
    )
    return Q(Exists(stays)) | Q(Exists(waiting))
