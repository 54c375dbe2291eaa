"""Cases (ケース), the workers on them, notes, school liaison and the timeline of acts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from casework.choices import (
    ApprovalState,
    CaseStatus,
    Category,
    ClosureOutcome,
    NoteKind,
    PlanKind,
    Profession,
    Role,
)
from casework.fields import EncryptedCharField, EncryptedTextField, RowBound
from casework.models.children import Child
from casework.models.scoping import NEVER, Scoped, ScopedQuerySet, any_of
from casework.models.teams import Team
from casework.wareki import era_initial_year

# django-guardian permission ids, by codename (cleared after migrate: ids differ per database).
_permission_ids: dict[str, int] = {}


def permission_id(codename: str) -> int:
    """The id of a casework permission. Scopes name the permission by id: guardian's join
    through auth_permission made PostgreSQL misjudge how many cases a worker holds, and at
    100,000 cases it sorted every one of them instead of reading the newest fifty."""
    if codename not in _permission_ids:
        from django.contrib.auth.models import Permission

        _permission_ids[codename] = Permission.objects.get(
            content_type__app_label="casework", codename=codename
        ).pk
    return _permission_ids[codename]


def forget_permission_ids(**_kwargs) -> None:
    _permission_ids.clear()


class InSubquery(models.Func):
    """`column IN (subquery)`, and on PostgreSQL `column = ANY(ARRAY(subquery))`: the user's
    few permitted ids are read once (an InitPlan) and the column's index does the rest, so
    `team_id IN (…) OR pk = ANY(…)` is a BitmapOr of two index scans. A correlated EXISTS under
    that OR probed the permission table once for every case outside the supervisor's teams
    (100,000 probes for every count on the dashboard)."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, column: str, queryset: models.QuerySet) -> None:
        super().__init__(models.F(column), models.Subquery(queryset))

    def _parts(self, compiler) -> tuple[str, str, list]:
        column, subquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        subquery_sql, subquery_params = compiler.compile(subquery)
        return column_sql, subquery_sql, [*column_params, *subquery_params]

    def as_sql(self, compiler, connection, **extra):
        column, subquery, params = self._parts(compiler)
        return f"{column} IN {subquery}", params

    def as_postgresql(self, compiler, connection, **extra):
        column, subquery, params = self._parts(compiler)
        return f"{column} = ANY(ARRAY{subquery})", params


def assigned(user, codename: str, case_ref: str = "pk") -> InSubquery:
    """The user holds the object permission on the case (granted by assignment, by a share):
    guardian's direct-FK table, no global permission, no superuser bypass."""
    return InSubquery(
        case_ref,
        CaseUserObjectPermission.objects.filter(
            user_id=user.pk, permission_id=permission_id(codename)
        ).values("content_object_id"),
    )


class CaseQuerySet(ScopedQuerySet):
    """Rules for cases (PRODUCT §2). view: the team's supervisors and every worker holding the
    case's view permission (assigned, or shared read-only). change: the team's supervisors and
    assigned workers. supervise (approve, assign, transfer, share): the team's supervisors."""

    actions = ("view", "change", "supervise")

    def rule(self, user, action: str) -> Q:
        if not user.has_role(Role.CASEWORKER, Role.SUPERVISOR):
            # A 子ども家庭支援センター worker reads only a case shared with them (PRODUCT §2).
            if action == "view" and user.has_role(Role.NETWORK):
                return Q(assigned(user, "view_case"))
            return NEVER
        supervised = user.supervises()
        # Team first: most of a supervisor's rows match it and skip the permission probe.
        team = Q(team_id__in=sorted(supervised)) if supervised else None
        if action == "view":
            return any_of([team, Q(assigned(user, "view_case"))])
        if action == "change":
            return any_of([team, Q(assigned(user, "change_case"))])
        return any_of([team])  # supervise

    def open(self) -> CaseQuerySet:
        return self.exclude(status=CaseStatus.CLOSED)

    def for_list(self) -> CaseQuerySet:
        return self.select_related("child", "team", "lead")


class Case(Scoped, RowBound, models.Model):
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("年度内番号"))
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="lead_cases",
        verbose_name=_("主担当"),
    )
    category = models.PositiveSmallIntegerField(_("相談種別"), choices=Category.choices)
    status = models.CharField(
        _("状態"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACCEPTED
    )
    opened_on = models.DateField(_("受理日"))
    summary = EncryptedTextField(_("主訴・概要"), blank=True)

    plan_kind = models.CharField(_("援助方針"), max_length=20, choices=PlanKind.choices, blank=True)
    plan_detail = EncryptedTextField(_("援助方針の内容"), blank=True)
    plan_state = models.CharField(
        _("援助方針の承認"), max_length=10, choices=ApprovalState.choices, blank=True
    )
    plan_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_approved_at = models.DateTimeField(null=True, blank=True)
    plan_requested_at = models.DateTimeField(_("援助方針の申請日時"), null=True, blank=True)

    closure_state = models.CharField(
        _("終結の承認"), max_length=10, choices=ApprovalState.choices, blank=True
    )
    closure_outcome = models.CharField(
        _("終結区分"), max_length=20, choices=ClosureOutcome.choices, blank=True
    )
    closure_reason = EncryptedTextField(_("終結理由"), blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_on = models.DateField(_("終結日"), null=True, blank=True)
    closure_requested_at = models.DateTimeField(_("終結の申請日時"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("ケース")
        verbose_name_plural = _("ケース")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "seq"], name="case_number_unique"),
            # Bounds the database keeps on SQLite too (PostgreSQL's smallint alone would not).
            models.CheckConstraint(
                condition=models.Q(fiscal_year__gte=1873, fiscal_year__lte=2100),
                name="case_fiscal_year_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(seq__gte=1, seq__lte=999999), name="case_seq_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(category__gte=1, category__lte=16),
                name="case_category_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status"], name="case_team_status"),
            models.Index(fields=["lead", "status"], name="case_lead_status"),
            # The lists show newest first: an index in that order avoids sorting wide rows.
            models.Index(fields=["-opened_on", "-seq"], name="case_opened_desc"),
        ]
        ordering = ["-fiscal_year", "-seq"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """Case number readable by staff: R7-000123."""
        return f"{era_initial_year(self.fiscal_year)}-{self.seq:06d}"

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED

    def is_own_request(self, user, approval: str) -> bool:
        """No self-approval: a supervisor never decides on the plan or closure they asked for
        (approval is "plan" or "closure")."""
        return getattr(self, f"{approval}_requested_by_id") == user.pk


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian direct FK table: fast joins instead of generic relations."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.permission_id}:{self.content_object_id}"


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    def __str__(self) -> str:
        return f"{self.group_id}:{self.permission_id}:{self.content_object_id}"


class CaseWorker(models.Model):
    """A worker on a case: the lead or a co-worker, with the role they hold on it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="workers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_roles"
    )
    role = models.CharField(_("役割"), max_length=20, choices=Profession.choices)
    is_lead = models.BooleanField(_("主担当"), default=False)
    active = models.BooleanField(_("担当中"), default=True)
    assigned_at = models.DateTimeField(_("担当開始"), default=timezone.now)
    ended_at = models.DateTimeField(_("担当終了"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("担当者")
        verbose_name_plural = _("担当者")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=models.Q(active=True),
                name="caseworker_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.user} ({self.get_role_display()})"


class CaseNote(RowBound, models.Model):
    """A record of casework: interview, visit, call, meeting, diagnosis."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(_("種別"), max_length=20, choices=NoteKind.choices)
    occurred_at = models.DateTimeField(_("実施日時"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(_("内容"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ケース記録")
        verbose_name_plural = _("ケース記録")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["case", "-occurred_at"], name="note_case_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class SchoolLiaison(RowBound, models.Model):
    """School liaison: which school, the contact made, what was agreed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="school_liaisons")
    school = EncryptedCharField(_("学校名"), max_length=100)
    contacted_on = models.DateField(_("連絡日"))
    contact_person = EncryptedCharField(_("先方担当者"), max_length=80, blank=True)
    agreed = EncryptedTextField(_("確認・合意事項"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("学校との連携")
        verbose_name_plural = _("学校との連携")
        ordering = ["-contacted_on"]

    def __str__(self) -> str:
        return f"{self.contacted_on} {self.school}"


class CaseEvent(RowBound, models.Model):
    """A significant act on a case (受理, 移管, 承認…), rendered in words at display time
    (casework/events.py): plain parameters in `params`, anything personal in `secret`."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("ケース")
    )
    at = models.DateTimeField(_("日時"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("操作した職員"),
    )
    kind = models.CharField(_("種類"), max_length=30)
    params = models.JSONField(_("内容（コード・日付）"), default=dict, blank=True)
    secret = EncryptedTextField(_("内容（理由・記述）"), blank=True)
    # Events written before structured events kept their sentence here (history is never
    # rewritten, so it stays); new events leave it empty.
    text = models.CharField(_("内容（旧形式）"), max_length=300, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ケースの経過")
        verbose_name_plural = _("ケースの経過")
        ordering = ["-at"]
        indexes = [models.Index(fields=["case", "-at"], name="event_case_time")]

    def __str__(self) -> str:
        return self.kind_label

    @property
    def kind_label(self) -> str:
        from casework.events import event_kind

        found = event_kind(self.kind)
        return str(found.label) if found else self.kind

    @property
    def secret_values(self) -> dict:
        import json

        if not self.secret:
            return {}
        try:
            value = json.loads(self.secret)
        except ValueError:
            return {"text": self.secret}
        return value if isinstance(value, dict) else {"text": str(value)}

    @property
    def words(self) -> str:
        """The act in a sentence, in the page's language (an old event: its stored sentence)."""
        from casework.events import render_event

        if self.text and not self.params and not self.secret:
            return self.text
        return render_event(self.kind, self.params, self.secret_values)


class CaseCounter(models.Model):
    """The last case number given in a fiscal year; locked while the next one is taken, so two
    acceptances at the same moment never collide (and never retry on a constraint error)."""

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last_seq = models.PositiveIntegerField(_("最後の番号"), default=0)

    class Meta:
        verbose_name = _("ケース番号の採番")
        verbose_name_plural = _("ケース番号の採番")

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.last_seq}"


class CaseShare(RowBound, models.Model):
    """A closed-to-you case shared read-only with a worker of another team by a supervisor of
    the owning team (issue 8: previous cases stay closed unless shared, and sharing is logged).
    The read permission itself is guardian's `view_case`, granted and revoked with this row."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="shares", verbose_name=_("ケース")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="case_shares",
        verbose_name=_("共有先の職員"),
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("共有した職員"),
    )
    reason = EncryptedTextField(_("共有の理由"))
    shared_at = models.DateTimeField(_("共有日時"), default=timezone.now)
    active = models.BooleanField(_("共有中"), default=True)
    ended_at = models.DateTimeField(_("共有終了"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ケースの共有")
        verbose_name_plural = _("ケースの共有")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=models.Q(active=True),
                name="caseshare_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.user}"
