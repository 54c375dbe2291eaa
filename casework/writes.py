"""The primitives every write service is built from (casework/services.py explains how a
service works and the lock order): the durable transaction, the refusal, the save with history,
the row lock, and the timeline event. Nothing here imports a service module, so every app's
services, the deadline ledger and the handbook services can all build on it."""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE
from django.utils import timezone

from casework.models import Case, CaseEvent, Child, User

FUTURE_TOLERANCE = timedelta(minutes=5)
logger = logging.getLogger(__name__)


def service(func):
    """The outermost write: its own durable transaction (it cannot run inside another)."""
    return transaction.atomic(durable=True)(func)


class CaseRuleError(ValidationError):
    """A move the rules do not allow; the message is shown to the user in Japanese. `field`
    names the form field it belongs next to, when there is one."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_dates_in_range(obj: models.Model) -> None:
    """No record keeps a date the product cannot show (明治6年1月1日 to 2100-12-31): the one
    guard every service's save passes, whatever form or code path supplied the value."""
    from casework.wareki import FIRST_DAY, LAST_DAY

    errors: dict[str, list[str]] = {}
    for f in obj._meta.concrete_fields:
        if not isinstance(f, models.DateField):  # DateTimeField is a DateField
            continue
        value = getattr(obj, f.attname)
        if value is None:
            continue
        if isinstance(value, datetime):
            day = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
        else:
            day = value
        if not FIRST_DAY <= day <= LAST_DAY:
            errors[f.name] = [
                f"{f.verbose_name}は明治6年（1873年）1月1日から2100年12月31日までにしてください。"
            ]
    if errors:
        raise CaseRuleError(errors)


def save_with_history(
    obj: models.Model, *, actor: User | None, reason: str, fields: list[str] | None = None
) -> None:
    """full_clean() then save() (only `fields` when given), recording who did it and why."""
    obj._history_user = actor
    obj._change_reason = reason
    check_dates_in_range(obj)
    _full_clean(obj)
    obj.save(update_fields=fields)


def _full_clean(obj: models.Model) -> None:
    """Model.full_clean(), except that a foreign key to a row the service holds is not looked
    up again (`_known_relations`); unique checks and constraints are validated as before."""
    errors: dict = {}
    try:
        obj.clean_fields(exclude=set(_known_relations(obj)))
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    try:
        obj.clean()
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    for validate in (obj.validate_unique, lambda exclude: validate_constraints(obj, exclude)):
        failed = {name for name in errors if name != NON_FIELD_ERRORS}  # only fields that passed
        try:
            validate(exclude=failed)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def validate_constraints(obj: models.Model, exclude: set[str]) -> None:
    """Model.validate_constraints(), with every CheckConstraint of the model evaluated in one
    query (Django runs one per constraint, each in a savepoint of its own: three round trips
    each). The outcome is the same: a condition that is UNKNOWN passes, as in the database,
    and a condition naming an excluded field is not checked."""
    using = router.db_for_write(type(obj), instance=obj)
    errors: dict = {}
    checks: list[models.CheckConstraint] = []
    for model_class, constraints in obj.get_constraints():
        for constraint in constraints:
            if type(constraint) is models.CheckConstraint and model_class is type(obj):
                if not (
                    exclude
                    and constraint._expression_refs_exclude(
                        model_class, constraint.condition, exclude
                    )
                ):
                    checks.append(constraint)
                continue
            try:
                constraint.validate(model_class, obj, exclude=exclude, using=using)
            except ValidationError as e:
                if getattr(e, "code", None) == "unique" and len(constraint.fields) == 1:
                    errors.setdefault(constraint.fields[0], []).append(e)
                else:
                    errors = e.update_error_dict(errors)
    for constraint in _failing_checks(obj, checks, exclude, using):
        error = ValidationError(
            constraint.get_violation_error_message(), code=constraint.violation_error_code
        )
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _failing_checks(
    obj: models.Model, checks: list[models.CheckConstraint], exclude: set[str], using: str
) -> list[models.CheckConstraint]:
    if not checks:
        return []
    connection = connections[using]
    if not connection.features.supports_comparing_boolean_expr:  # as Django does it, one by one
        return [c for c in checks if not _passes_alone(c, obj, exclude, using)]
    query = Query(None)
    against = obj._get_field_expression_map(meta=obj._meta, exclude=exclude)
    for name, value in against.items():
        if not hasattr(value, "resolve_expression"):
            value = Value(value)
        query.add_annotation(value, name, select=False)
    for i, constraint in enumerate(checks):
        passes = Coalesce(constraint.condition, True, output_field=models.BooleanField())
        query.add_annotation(passes, f"_check_{i}")
    try:
        with transaction.atomic(using=using) if connection.in_atomic_block else nullcontext():
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError:
        logger.warning("constraints of %s could not be checked in one query", obj._meta.label)
        return [c for c in checks if not _passes_alone(c, obj, exclude, using)]
    return [c for c, ok in zip(checks, row, strict=True) if not ok]


def _passes_alone(
    constraint: models.CheckConstraint, obj: models.Model, exclude: set[str], using: str
) -> bool:
    try:
        constraint.validate(type(obj), obj, exclude=exclude, using=using)
    except ValidationError:
        return False
    return True


def _known_relations(obj: models.Model) -> list[str]:
    """Foreign keys set from a row the service holds (read from or saved to the database): no
    query to ask whether it exists (full_clean would run one per key; the database's foreign
    key still guards). A key set by id alone is still checked."""
    known = []
    for f in obj._meta.concrete_fields:
        if not f.is_relation or not f.is_cached(obj):
            continue
        related = f.get_cached_value(obj)
        value = getattr(obj, f.attname)
        if related is not None and not related._state.adding and related.pk == value:
            known.append(f.name)
    return known


def lock[M: models.Model](queryset: models.QuerySet[M], pk: Any, *, actor: User | None = None) -> M:
    """Lock one row for the rest of the transaction and read it afresh (with what `actor` may
    do with it, from the model's rules, when an actor is given).

    The lock is taken on the bare row first: with joins, PostgreSQL re-checks a row it waited
    for against the joined rows of its *old* snapshot, so a case whose lead changed meanwhile
    would seem to vanish. Once the lock is held, a plain read sees the latest committed state.
    """
    model = queryset.model
    if not model._base_manager.select_for_update().filter(pk=pk).values_list("pk").exists():
        raise model.DoesNotExist
    fresh = queryset.with_allowed(actor) if actor is not None else queryset
    return fresh.get(pk=pk)


def lock_case(case: Case | int, actor: User) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    return lock(Case.objects.select_related("child", "team", "lead"), pk, actor=actor)


def case_event(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    params: dict | None = None,
    secret: dict | None = None,
    at=None,
    on: date | None = None,
) -> CaseEvent:
    """Record an act on the case's timeline (rendered in words by casework/events.py).
    Parameters are plain JSON values: labels are passed as str, dates as ISO strings.

    `on`: the day the act happened, when it is recorded by its date (an admission entered the
    next morning): the event sorts at that day — now if it is today, else the day's last
    second — and the timeline shows the day without a made-up time."""
    params = dict(params or {})
    if on is not None:
        params["day"] = on.isoformat()
        end = timezone.make_aware(datetime.combine(on, time.max.replace(microsecond=0)))
        at = at or min(timezone.now(), end)
    secret = {k: str(v) for k, v in (secret or {}).items() if v}
    event = CaseEvent(
        case=case,
        actor=actor,
        kind=kind,
        params=params,
        secret=json.dumps(secret, ensure_ascii=False) if secret else "",
        at=at or timezone.now(),
    )
    save_with_history(event, actor=actor, reason="経過の記録")
    return event


def lock_child(child: Child | int, actor: User) -> Child:
    pk = child.pk if isinstance(child, Child) else child
    locked = lock(Child.objects.all(), pk, actor=actor)
    if not locked.may("change"):
        raise PermissionDenied
    return locked
