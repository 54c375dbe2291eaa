"""The member agencies are a table the administrator keeps (名簿: names and kinds of schools,
nurseries, the police…); register entries, sessions and reviews are personal data, changed only
through the /network/ pages and their services (with history and access logging)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from network.models import Agency


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an agency leaves by deactivation; past disclosures name it
