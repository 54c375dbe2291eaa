"""The register on the child page: the entries of the child the viewer may open (their team's
register), with a link to each. One query."""

from __future__ import annotations

from network.models import Entry


def child_panel(request, child) -> dict | None:
    entries = list(
        Entry.objects.visible_to(request.user)
        .filter(child=child)
        .select_related("lead_agency")
        .order_by("-registered_on", "-pk")
    )
    if not entries:
        return None
    return {"title": "要対協の登録", "template": "network/_child_panel.html", "entries": entries}
