"""What the shelter adds to casework's pages, through casework's registries (casework never
imports the shelter: STYLE.md, dependencies point one way)."""

from __future__ import annotations

_registered = False


def register() -> None:
    """Called once from ShelterConfig.ready()."""
    global _registered
    if _registered:
        return
    from casework.access import register_child_scope
    from casework.registry import register_child_panel, register_dashboard_panel, register_seeder
    from casework.timeline import register_timeline_source
    from shelter.access import shelter_child_scope
    from shelter.panels import child_panel, dashboard_panel, stay_timeline
    from shelter.seed import seed_shelter

    register_child_scope(shelter_child_scope)
    register_timeline_source(stay_timeline)
    register_child_panel(child_panel)
    register_dashboard_panel(dashboard_panel)
    register_seeder(seed_shelter)
    _registered = True
