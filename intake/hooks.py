"""What intake adds to casework's pages, through casework's registries (casework never
imports intake: STYLE.md, dependencies point one way)."""

from __future__ import annotations

_registered = False


def register() -> None:
    """Called once from IntakeConfig.ready()."""
    global _registered
    if _registered:
        return
    from casework import registry
    from casework.deadlines import register_deadline_source
    from casework.registry import (
        register_child_panel,
        register_child_rule,
        register_dashboard_panel,
        register_seeder,
    )
    from casework.timeline import register_timeline_source
    from intake import events  # noqa: F401  (registers intake's timeline event kinds)
    from intake.models import child_rule
    from intake.panels import (
        case_clock_panel,
        child_panel,
        consultation_timeline,
        safety_clock_panel,
    )
    from intake.seed import seed_intake
    from intake.services import (
        child_taken_into_protection,
        sync_safety_deadlines,
        sync_step_deadlines,
    )

    register_child_rule(child_rule)
    registry.register_protection_listener(child_taken_into_protection)
    register_deadline_source(sync_safety_deadlines)
    register_deadline_source(sync_step_deadlines)
    register_timeline_source(consultation_timeline)
    register_child_panel(child_panel)
    register_dashboard_panel(safety_clock_panel)
    register_seeder(seed_intake)
    registry.register_case_panel(case_clock_panel)  # the case file shows its open clocks
    _registered = True
