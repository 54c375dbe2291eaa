"""The 要対協 register (要保護児童対策地域協議会, DOMAIN §10): member agencies, register entries
(要保護児童, 要支援児童, 特定妊婦), 実務者会議 sessions with their agendas, the progress reviews
(進行管理) recorded at them, and what was disclosed to which member agency.

Who sees what (issue 14 §4): an entry belongs to a team (the 子ども家庭支援センター's); the
centre's workers (role `network`) of that team see and change it, and so do the team's
supervisors. Nobody else sees an entry (404). Register access grants nothing on the 児童相談所's
cases: a linked case is shown only to whoever may open it through the case's own rules.

The agenda of a session is stored as rows (`AgendaItem`) when the session is created or
refreshed, so the record of what a held session reviewed never changes afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.choices import Role
from casework.fields import EncryptedCharField, EncryptedTextField, RowBound
from casework.models.scoping import NEVER, Scoped, ScopedQuerySet
from network.choices import (
    AgencyKind,
    EntryEnd,
    EntryKind,
    EntryState,
    LegalBasis,
    SessionState,
)

STAFF = settings.AUTH_USER_MODEL


def register_teams(user) -> frozenset[int]:
    """The teams whose register a user works: their teams if they are the centre's worker
    (role network), and the teams they supervise. The one rule every register scope uses."""
    teams = set(user.supervises())
    if user.has_role(Role.NETWORK):
        teams |= user.team_ids()
    return frozenset(teams)


def _team_rule(user) -> Q:
    teams = register_teams(user)
    return Q(team_id__in=sorted(teams)) if teams else NEVER


class Agency(models.Model):
    """A member agency of the council (its name is an institution's, not personal data)."""

    name = models.CharField(_("機関名"), max_length=100, unique=True)
    kind = models.CharField(_("種別"), max_length=12, choices=AgencyKind.choices)
    active = models.BooleanField(_("有効"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("要対協の構成機関")
        verbose_name_plural = _("要対協の構成機関")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class EntryQuerySet(ScopedQuerySet):
    """view and change: the centre's workers of the entry's team and its supervisors."""

    actions = ("view", "change")

    def rule(self, user, action: str) -> Q:
        return _team_rule(user)

    def for_list(self) -> EntryQuerySet:
        return self.select_related("child", "lead_agency", "worker", "team")

    def open(self) -> EntryQuerySet:
        return self.filter(state=EntryState.OPEN)

    def due_by(self, day) -> EntryQuerySet:
        """Open entries whose review falls due by `day` (DOMAIN §10: every entry, every time)."""
        return self.open().filter(next_review_on__lte=day)


class Entry(Scoped, RowBound, models.Model):
    """A registration under the council: a child (要保護児童・要支援児童) or an expectant mother
    (特定妊婦), the lead agency and the others involved, why, and when it is next reviewed."""

    kind = models.CharField(_("登録区分"), max_length=12, choices=EntryKind.choices)
    child = models.ForeignKey(
        "casework.Child",
        on_delete=models.PROTECT,
        related_name="network_entries",
        null=True,
        blank=True,
        verbose_name=_("児童"),
    )
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        related_name="network_entries",
        null=True,
        blank=True,
        verbose_name=_("児童相談所のケース"),
    )
    mother_name = EncryptedCharField(_("妊婦の氏名"), max_length=80, blank=True)
    mother_name_kana = EncryptedCharField(_("妊婦の氏名（ふりがな）"), max_length=120, blank=True)
    expected_month = models.DateField(_("出産予定月"), null=True, blank=True)
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="lead_entries", verbose_name=_("主担当機関")
    )
    reason = EncryptedTextField(_("登録の理由"))
    registered_on = models.DateField(_("登録日"))
    next_review_on = models.DateField(_("次回の進行管理"))
    reviews_done = models.PositiveIntegerField(_("進行管理の回数"), default=0)
    worker = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="network_entries", verbose_name=_("担当者")
    )
    team = models.ForeignKey(
        "casework.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("係")
    )
    state = models.CharField(
        _("状態"), max_length=8, choices=EntryState.choices, default=EntryState.OPEN
    )
    ended_on = models.DateField(_("登録終了日"), null=True, blank=True)
    end_kind = models.CharField(
        _("終了の区分"), max_length=12, choices=EntryEnd.choices, blank=True
    )
    end_reason = EncryptedTextField(_("終了の理由"), blank=True)
    moved_to = models.CharField(_("転出先の自治体"), max_length=60, blank=True)
    handover = EncryptedTextField(_("引継ぎの内容"), blank=True)
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    history = HistoricalRecords()

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("要対協の登録")
        verbose_name_plural = _("要対協の登録")
        ordering = ["next_review_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=EntryKind.PREGNANT) | Q(child__isnull=False),
                name="entry_child_for_children",
                violation_error_message=_("要保護児童・要支援児童の登録には児童が必要です。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.PREGNANT) | Q(expected_month__isnull=False),
                name="entry_pregnant_has_month",
                violation_error_message=_("特定妊婦の登録には出産予定月が必要です。"),
            ),
            models.CheckConstraint(
                condition=Q(state=EntryState.OPEN, ended_on__isnull=True, end_kind="")
                | (Q(state=EntryState.ENDED, ended_on__isnull=False) & ~Q(end_kind="")),
                name="entry_end_recorded",
                violation_error_message=_("登録終了には終了日と区分が必要です。"),
            ),
            models.CheckConstraint(
                condition=~Q(end_kind=EntryEnd.MOVED) | ~Q(moved_to=""),
                name="entry_moved_has_destination",
                violation_error_message=_("転出の場合は転出先の自治体を入力してください。"),
            ),
            models.CheckConstraint(
                condition=~Q(end_kind=EntryEnd.TRANSFERRED) | Q(case__isnull=False),
                name="entry_transferred_has_case",
                violation_error_message=_("移行先のケースを指定してください。"),
            ),
            models.CheckConstraint(
                condition=Q(next_review_on__gte=models.F("registered_on")),
                name="entry_review_after_registration",
                violation_error_message=_("次回の進行管理は登録日以降にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("registered_on")),
                name="entry_ends_after_registration",
                violation_error_message=_("登録終了日は登録日以降にしてください。"),
            ),
        ]
        indexes = [
            models.Index(fields=["team", "state", "next_review_on"], name="entry_team_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The register number shown on pages and handouts (no name)."""
        return f"要対協-{self.pk:05d}" if self.pk else "要対協-（未登録）"

    @property
    def is_open(self) -> bool:
        return self.state == EntryState.OPEN

    @property
    def is_pregnant(self) -> bool:
        return self.kind == EntryKind.PREGNANT

    @property
    def display_name(self) -> str:
        if self.child_id:
            return self.child.full_name
        return self.mother_name

    @property
    def initials(self) -> str:
        """The first kana of each name part (「や・は」): what a handout shows instead of a name."""
        if self.child_id:
            parts = [self.child.family_name_kana, self.child.given_name_kana]
        else:
            parts = (self.mother_name_kana or "").replace("　", " ").split()
        letters = [p.strip()[:1] for p in parts if p.strip()]
        return "・".join(letters) or "—"


class EntryAgency(models.Model):
    """A member agency involved in an entry besides its lead agency (the entry's other agencies:
    a simple through table; one that is no longer involved is marked, never deleted)."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="involvements")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="involvements")
    active = models.BooleanField(_("関与中"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("関係機関")
        verbose_name_plural = _("関係機関")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "agency"],
                name="entryagency_unique",
                violation_error_message=_("この機関はすでに関係機関です。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} / {self.agency_id}"


class SessionQuerySet(ScopedQuerySet):
    """A 実務者会議 of a team's register: the same people as the team's entries."""

    actions = ("view", "change")

    def rule(self, user, action: str) -> Q:
        return _team_rule(user)


class Session(Scoped, models.Model):
    """A 実務者会議 (periodic practitioners' meeting) and its agenda (the entries due)."""

    team = models.ForeignKey(
        "casework.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("係")
    )
    held_on = models.DateField(_("開催日"))
    title = models.CharField(_("会議名"), max_length=80)
    state = models.CharField(
        _("状態"), max_length=8, choices=SessionState.choices, default=SessionState.PLANNED
    )
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("実務者会議")
        verbose_name_plural = _("実務者会議")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.held_on}）"

    @property
    def is_held(self) -> bool:
        return self.state == SessionState.HELD


class AgendaItem(models.Model):
    """An entry on a session's agenda (fixed once the session is held)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="items")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="agenda_items")
    due_on = models.DateField(_("検討予定日"))
    active = models.BooleanField(_("議題に含む"), default=True)  # off: no longer due (planned)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("実務者会議の議題")
        verbose_name_plural = _("実務者会議の議題")
        ordering = ["due_on", "entry_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "entry"],
                name="agendaitem_once_per_session",
                violation_error_message=_("この登録はすでに議題にあります。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id} / {self.entry_id}"


class Review(RowBound, models.Model):
    """A progress review (進行管理) of an entry at a session: the situation, the lead agency
    and the 援助方針 decided, and when the entry is next reviewed."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="reviews")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="reviews")
    situation = EncryptedTextField(_("現在の状況"))
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("主担当機関")
    )
    policy = EncryptedTextField(_("援助方針"))
    next_review_on = models.DateField(_("次回の進行管理"))
    recorded_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("記録日時"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("進行管理の記録")
        verbose_name_plural = _("進行管理の記録")
        ordering = ["-session__held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "entry"],
                name="review_once_per_session",
                violation_error_message=_("この会議での進行管理はすでに記録されています。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} @ {self.session_id}"


class Disclosure(models.Model):
    """What was shown to which member agency, at which session, about which entry, and on
    what legal basis — one row per entry of each handout printed for a recipient."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="disclosures")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="disclosures")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("提供先")
    )
    shown = models.CharField(_("提供した項目"), max_length=200)
    basis = models.CharField(_("根拠"), max_length=10, choices=LegalBasis.choices)
    printed_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    printed_at = models.DateTimeField(_("印刷日時"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("構成機関への情報提供")
        verbose_name_plural = _("構成機関への情報提供")
        ordering = ["-printed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.session_id} / {self.entry_id} → {self.agency_id}"


def child_rule(user, action: str) -> Q | None:
    """Registered with casework: the register's workers see the identity of the children of
    the entries they may open (name, birth date, sex, district) — nothing of their cases."""
    if action != "view":
        return None
    teams = register_teams(user)
    if not teams:
        return None
    entries = Entry.objects.filter(team_id__in=sorted(teams), child_id=OuterRef("pk"))
    return Q(Exists(entries))
