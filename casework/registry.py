"""Extension points other apps fill in (casework never imports them: STYLE.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

# A reason a user may see a child: (user, action) -> Q over Child, or None. Actions are
# "view" (identity only), "full" and "care" (see casework.models.children.ChildQuerySet).
ChildRule = Callable[..., Q | None]
_child_rules: list[ChildRule] = []


def register_child_rule(rule: ChildRule) -> ChildRule:
    _child_rules.append(rule)
    return rule


def child_rule_contributions(user, action: str) -> list[Q]:
    return [q for q in (rule(user, action) for rule in _child_rules) if q is not None]


# A panel on the child page: (request, child) -> {"title": str, "template": str, ...} or None.
ChildPanel = Callable[..., dict | None]
_child_panels: list[ChildPanel] = []

# A dashboard panel for supervisors: (request) -> {"title", "template", ...} or None.
DashboardPanel = Callable[..., dict | None]
_dashboard_panels: list[DashboardPanel] = []


def register_child_panel(panel: ChildPanel) -> ChildPanel:
    _child_panels.append(panel)
    return panel


def child_panels() -> list[ChildPanel]:
    return list(_child_panels)


def register_dashboard_panel(panel: DashboardPanel) -> DashboardPanel:
    _dashboard_panels.append(panel)
    return panel


def dashboard_panels() -> list[DashboardPanel]:
    return list(_dashboard_panels)


# A panel on the case file: (request, case) -> {"title", "template", "top"?, ...} or None.
CasePanel = Callable[..., dict | None]
_case_panels: list[CasePanel] = []


def register_case_panel(panel: CasePanel) -> CasePanel:
    _case_panels.append(panel)
    return panel


def case_panels() -> list[CasePanel]:
    return list(_case_panels)


# Demo seeders from other apps: (context: dict) -> str summary. Run after staff and cases.
Seeder = Callable[[dict], str]
_seeders: list[Seeder] = []


def register_seeder(seeder: Seeder) -> Seeder:
    _seeders.append(seeder)
    return seeder


def seeders() -> list[Seeder]:
    return list(_seeders)


# Told when a child is placed under the centre's protection (the shelter's admission), inside
# the admission's transaction: (child=, stay=, actor=, at=) -> None. Intake closes the child's
# open 48-hour clocks: a child in protection has been seen.
ProtectionListener = Callable[..., None]
_protection_listeners: list[ProtectionListener] = []


def register_protection_listener(listener: ProtectionListener) -> ProtectionListener:
    _protection_listeners.append(listener)
    return listener


def protection_listeners() -> list[ProtectionListener]:
    return list(_protection_listeners)
