"""Staff, teams (係) and membership."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.choices import Profession, Role


class User(AbstractUser):
    """A member of staff. Staff names are not client data and stay in clear."""

    display_name = models.CharField(_("氏名"), max_length=60, blank=True)
    profession = models.CharField(_("職種"), max_length=20, choices=Profession.choices, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = _("職員")

    def __str__(self) -> str:
        return self.display_name or self.username

    def roles(self) -> set[str]:
        """Role codes (group names), cached on the instance for the request."""
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            valid = set(Role.values)
            cached = {g.name for g in self.groups.all() if g.name in valid}
            self._role_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.is_active and self.roles() & set(roles))

    # --- the team rules, written once (every scope, form and service asks these) ----------

    def team_ids(self) -> frozenset[int]:
        """Active teams the user belongs to (intake staff work their teams' queue)."""
        cached = getattr(self, "_team_cache", None)
        if cached is None:
            cached = frozenset(
                Membership.objects.filter(user_id=self.pk, team__active=True).values_list(
                    "team_id", flat=True
                )
            )
            self._team_cache = cached
        return cached

    def supervises(self) -> frozenset[int]:
        """Teams this user supervises: a supervisor's membership *and* the supervisor role.
        Everything a supervisor may do on a team's records follows from this one set."""
        cached = getattr(self, "_supervised_cache", None)
        if cached is None:
            if not self.has_role(Role.SUPERVISOR):
                cached = frozenset()
            else:
                cached = frozenset(
                    Membership.objects.supervising()
                    .filter(user_id=self.pk)
                    .values_list("team_id", flat=True)
                )
            self._supervised_cache = cached
        return cached

    def is_supervisor_of(self, team_id: int | None) -> bool:
        return team_id in self.supervises()

    def forget_access(self) -> None:
        """Drop the cached roles and teams (after a change of membership in the same request)."""
        self._role_cache = self._team_cache = self._supervised_cache = None


class Team(models.Model):
    """A 係: cases belong to one team; supervisors see all of their team's cases."""

    name = models.CharField(_("係名"), max_length=60, unique=True)
    active = models.BooleanField(_("有効"), default=True)
    members = models.ManyToManyField(User, through="Membership", related_name="teams")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("係")
        verbose_name_plural = _("係")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def supervising(self) -> MembershipQuerySet:
        """The memberships that make their user a team's supervisor: the flag, an active user,
        the supervisor role (the same rule as User.supervises(), seen from the team's side)."""
        return self.filter(
            is_supervisor=True, user__is_active=True, user__groups__name=Role.SUPERVISOR
        )


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    is_supervisor = models.BooleanField(_("スーパーバイザー"), default=False)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user")
        ]

    def __str__(self) -> str:
        return f"{self.team} / {self.user}"
