"""Role-aware navigation for the base layout."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from casework.choices import Role

# (url name, label, roles that see it)
NAVIGATION = (
    ("home", _("ホーム"), None),
    ("intake:queue", _("相談受付"), (Role.INTAKE, Role.SUPERVISOR)),
    ("casework:case_list", _("ケース"), (Role.CASEWORKER, Role.SUPERVISOR)),
    ("shelter:board", _("一時保護所"), (Role.SHELTER, Role.SUPERVISOR)),
    ("foster:pipeline", _("里親"), (Role.FOSTER, Role.SUPERVISOR)),
    ("network:register", _("要対協"), (Role.NETWORK,)),
    ("network:session_list", _("実務者会議"), (Role.NETWORK,)),
    (
        "casework:reminders",
        _("期限"),
        (Role.CASEWORKER, Role.SUPERVISOR, Role.FOSTER, Role.NETWORK),
    ),
    ("casework:dashboard", _("ダッシュボード"), (Role.SUPERVISOR,)),
    ("reports:consultations", _("統計"), (Role.INTAKE, Role.SUPERVISOR, Role.AUDITOR)),
    ("audit:changes", _("変更履歴"), (Role.AUDITOR,)),
    ("audit:access", _("閲覧記録"), (Role.AUDITOR,)),
    ("audit:deadlines", _("期限の監査"), (Role.AUDITOR,)),
    ("audit:views", _("意見聴取の監査"), (Role.AUDITOR,)),
    ("intake:notices", _("総合支所への通知"), (Role.INTAKE,)),
)


def urgent_deadlines(user) -> int:
    """The navigation badge: the user's open deadlines overdue or due within a day (one query,
    only on pages that show the 期限 link)."""
    from datetime import timedelta

    from django.utils import timezone

    from casework.selectors import my_deadlines

    return my_deadlines(user).filter(due_at__lt=timezone.now() + timedelta(days=1)).count()


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, roles in NAVIGATION:
        if roles is not None and not user.has_role(*roles):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a page whose app has not shipped yet
            continue
        item = {"url": url, "label": label, "active": request.path == url}
        if name == "casework:reminders":
            item["badge"] = urgent_deadlines(user)
        items.append(item)
    if user.has_role(Role.ADMIN):
        items.append({"url": reverse("admin:index"), "label": _("管理"), "active": False})
    role_labels = [Role(r).label for r in sorted(user.roles())]
    return {"nav_items": items, "role_labels": role_labels}
