"""What the foster app adds to casework's pages, through casework's registries (casework never
imports foster: STYLE.md, dependencies point one way)."""

from __future__ import annotations

_registered = False


def register() -> None:
    """Called once from FosterConfig.ready()."""
    global _registered
    if _registered:
        return
    from casework.deadlines import register_deadline_source
    from casework.registry import register_case_panel, register_child_panel, register_seeder
    from foster import events  # noqa: F401  (registers the placement timeline event kinds)
    from foster.panels import case_panel, child_panel
    from foster.seed import seed_foster
    from foster.services import sync_foster_deadlines

    register_deadline_source(sync_foster_deadlines)
    register_case_panel(case_panel)
    register_child_panel(child_panel)
    register_seeder(seed_foster)
    _registered = True
