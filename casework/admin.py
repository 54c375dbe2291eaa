"""Django admin for the admin role: staff, teams and memberships only — never case content."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from casework.models import Membership, Team, User

admin.site.site_header = _("見守り システム管理")
admin.site.site_title = _("見守り 管理")
admin.site.index_title = _("職員・係・設定")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class StaffAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "display_name", "profession", "is_active", "last_login"]
    list_filter = ["is_active", "groups", "profession"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("職員情報"), {"fields": ("display_name", "profession", "email")}),
        (_("役割"), {"fields": ("is_active", "is_staff", "groups")}),
        (_("記録"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # staff leave by deactivation; their acts stay attributed


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "active"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
