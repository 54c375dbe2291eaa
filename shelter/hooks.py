"""What the shelter adds to casework's pages, through casework's registries (casework never
imports the shelter: STYLE.md, dependencies point one way)."""

from __future__ import annotations

_registered = False


def register() -> None:
    """Called once from ShelterConfig.ready()."""
    global _registered
    if _registered:
        return
    from casework.deadlines import register_deadline_source
    from casework.registry import (
        register_case_panel,
        register_child_panel,
        register_child_rule,
        register_dashboard_panel,
        register_seeder,
    )
    from casework.timeline import register_timeline_source
    from shelter import events  # noqa: F401  (registers the shelter's timeline event kinds)
    from shelter.models import child_rule
    from shelter.panels import child_panel, dashboard_panel, decision_panel, stay_timeline
    from shelter.seed import seed_shelter
    from shelter.services import sync_stay_deadlines

    register_child_rule(child_rule)
    register_deadline_source(sync_stay_deadlines)
    register_case_panel(decision_panel)
    register_timeline_source(stay_timeline)
    register_child_panel(child_panel)
    register_dashboard_panel(dashboard_panel)
    register_seeder(seed_shelter)
    _registered = True
