"""What the register adds to casework's pages, through casework's registries (casework never
imports network: STYLE.md, dependencies point one way)."""

from __future__ import annotations

_registered = False


def register() -> None:
    """Called once from NetworkConfig.ready()."""
    global _registered
    if _registered:
        return
    from casework.deadlines import register_deadline_source
    from casework.registry import register_child_panel, register_child_rule, register_seeder
    from network.models import child_rule
    from network.panels import child_panel
    from network.seed import seed_network
    from network.services import sync_network_deadlines

    register_child_rule(child_rule)
    register_child_panel(child_panel)
    register_deadline_source(sync_network_deadlines)
    register_seeder(seed_network)
    _registered = True
