"""Admin: the route table only (DOMAIN §2, configurable). Consultations are case content and
never appear in the admin."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from intake.models import Route


@admin.register(Route)
class RouteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "group", "code", "sort_order", "valid_from", "valid_to"]
    list_filter = ["group", "valid_to"]
    search_fields = ["name", "code", "group"]
    ordering = ["sort_order", "valid_from"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # counted consultations point at it: end it with 適用終了日 instead
