"""Who may do what with a record: one rule per model and action, written once, as a Q.

Each protected model's QuerySet subclasses `ScopedQuerySet` and defines `rule(user, action)`,
the condition under which `user` may take `action` on a row (NetBox's `restrict(user, action)`).
Everything else derives from that one definition:

- `restrict(user, action)` / `visible_to(user)` — lists, pickers, panels, exports;
- `with_allowed(user)` — annotates each action as a boolean in the same query, so a fetched
  object knows what the user may do with it (`obj.allowed`), with no second query and no
  second implementation of the rule in Python;
- services re-read the row under a lock with `with_allowed(actor)` and check again.

Rules never look at `is_superuser`: there is no bypass. A rule says who may act, not whether
the record's state allows it (a closed case, an ended stay): services refuse that with a
message in Japanese, so a user who raced another gets an explanation rather than a 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q

NEVER = Q(pk__in=[])  # a condition no row meets (Django drops it from ORs, "0" in a SELECT)


def is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def any_of(conditions: Iterable[Q | None]) -> Q:
    """OR of the given conditions (None ones skipped); NEVER when there are none."""
    present = [c for c in conditions if c is not None]
    return reduce(or_, present) if present else NEVER


def allow_attr(action: str) -> str:
    return f"allow_{action}"


class ScopedQuerySet(models.QuerySet):
    """Base of every protected model's QuerySet; subclasses set `actions` and `rule`."""

    actions: tuple[str, ...] = ("view",)

    def rule(self, user, action: str) -> Q:  # pragma: no cover - every subclass defines it
        return NEVER

    def _condition(self, user, action: str) -> Q:
        if action not in self.actions:
            raise ValueError(f"{self.model.__name__} has no action {action!r}")
        if not is_active_user(user):
            return NEVER
        return self.rule(user, action)

    def restrict(self, user, action: str = "view") -> ScopedQuerySet:
        """Only the rows on which `user` may take `action`."""
        condition = self._condition(user, action)
        if condition is NEVER:
            return self.none()
        return self.filter(condition)

    def visible_to(self, user) -> ScopedQuerySet:
        return self.restrict(user, "view")

    def with_allowed(self, user) -> ScopedQuerySet:
        """Annotate `allow_<action>` for every action but view, from the same rules."""
        return self.annotate(
            **{
                allow_attr(action): ExpressionWrapper(
                    self._condition(user, action), output_field=BooleanField()
                )
                for action in self.actions
                if action != "view"
            }
        )


class Scoped:
    """Model mixin: `obj.allowed` is the set of actions annotated by `with_allowed` (deny by
    default: an object fetched without it allows nothing but being looked at)."""

    @property
    def allowed(self) -> frozenset[str]:
        actions = type(self)._default_manager._queryset_class.actions
        return frozenset(
            {"view"}
            | {a for a in actions if a != "view" and bool(getattr(self, allow_attr(a), False))}
        )

    def may(self, action: str) -> bool:
        return action in self.allowed
