"""Who holds which power, recorded as it changes (issue 9): roles (groups) given and taken,
password changes (the fact only), activation, admin and superuser flags, and django-guardian
object permissions granted and revoked. Signals, so the admin site, services and the shell
are all covered. Each change is a PowerChange whose history row, with a fixed Japanese reason
(「監査担当を付与」), appears on /audit/ and is sealed into the audit chain.

Team membership and the supervisor flag are Membership rows with their own history.
Bulk paths that send no signal (the demo seed's bulk permissions) are not recorded.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from guardian.models.models import BaseObjectPermission
from simple_history.models import HistoricalRecords

from casework.models import PowerChange, User
from casework.models.audit import PowerKind

FLAGS = {
    "is_active": (PowerKind.ACTIVATED, PowerKind.DEACTIVATED),
    "is_staff": (PowerKind.STAFF_GRANTED, PowerKind.STAFF_REVOKED),
    "is_superuser": (PowerKind.SUPERUSER_GRANTED, PowerKind.SUPERUSER_REVOKED),
}
_codenames: dict[int, str] = {}


def acting_user() -> User | None:
    """The user of the current request (simple-history's middleware keeps it), if any."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record(kind: str, *, user: User | None = None, **fields: str) -> PowerChange:
    change = PowerChange(kind=kind, user=user, actor=acting_user(), **fields)
    change._change_reason = change.summary
    change.save()
    return change


def _role_names(ids) -> dict[int, str]:
    return dict(Group.objects.filter(pk__in=ids).values_list("pk", "name"))


def groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """user.groups.add/remove/clear, or group.user_set.add/remove/clear."""
    if action == "pre_clear":
        related = instance.user_set if reverse else instance.groups
        instance._cleared_power_ids = set(related.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    ids = instance.__dict__.pop("_cleared_power_ids", set()) if action == "post_clear" else pk_set
    kind = PowerKind.ROLE_GRANTED if action == "post_add" else PowerKind.ROLE_REVOKED
    if reverse:  # instance is the group, ids are users
        for user in User.objects.filter(pk__in=ids or ()):
            record(kind, user=user, role=instance.name)
    else:
        for name in sorted(_role_names(ids or ()).values()):
            record(kind, user=instance, role=name)


def remember_flags(sender, instance, **kwargs) -> None:
    instance._power_flags = {name: getattr(instance, name, None) for name in FLAGS}


def user_saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    if not created:
        if getattr(instance, "_password", None) is not None:
            record(PowerKind.PASSWORD_CHANGED, user=instance)
        before = getattr(instance, "_power_flags", {})
        for name, (on, off) in FLAGS.items():
            if update_fields is not None and name not in update_fields:
                continue
            now = getattr(instance, name)
            if name in before and before[name] is not None and before[name] != now:
                record(on if now else off, user=instance)
    remember_flags(sender, instance)


def _codename(permission_id: int) -> str:
    if permission_id not in _codenames:
        _codenames[permission_id] = Permission.objects.get(pk=permission_id).codename
    return _codenames[permission_id]


def _target(instance: BaseObjectPermission) -> tuple[str, str]:
    if hasattr(instance, "content_type_id") and hasattr(instance, "object_pk"):
        model = instance.content_type.model_class()
        return (model._meta.label if model else "", str(instance.object_pk))
    related = type(instance)._meta.get_field("content_object").related_model
    return related._meta.label, str(instance.content_object_id)


def object_permission_changed(sender, instance, created=True, raw=False, **kwargs) -> None:
    if raw or not created:
        return
    granted = kwargs.get("signal") is post_save
    record_type, record_id = _target(instance)
    kind = PowerKind.PERM_GRANTED if granted else PowerKind.PERM_REVOKED
    fields = {
        "permission": _codename(instance.permission_id),
        "record_type": record_type,
        "record_id": record_id[:40],
    }
    if hasattr(instance, "user_id"):
        record(kind, user=User(pk=instance.user_id) if instance.user_id else None, **fields)
    else:
        record(kind, role=Group.objects.get(pk=instance.group_id).name, **fields)


def connect() -> None:
    """Connect the receivers (from CaseworkConfig.ready)."""
    m2m_changed.connect(groups_changed, sender=User.groups.through, dispatch_uid="mm_power_groups")
    post_init.connect(remember_flags, sender=User, dispatch_uid="mm_power_flags")
    post_save.connect(user_saved, sender=User, dispatch_uid="mm_power_user")
    for model in apps.get_models():
        if issubclass(model, BaseObjectPermission) and not model._meta.abstract:
            uid = f"mm_power_{model._meta.label}"
            post_save.connect(object_permission_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(object_permission_changed, sender=model, dispatch_uid=uid)
