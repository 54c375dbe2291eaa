"""Django admin for the admin role: staff, teams and memberships only — never case content."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html
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
        (_("二段階認証"), {"fields": ("two_factor",)}),
    )
    readonly_fields = ["last_login", "date_joined", "two_factor"]
    filter_horizontal = ["groups"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # staff leave by deactivation; their acts stay attributed

    @admin.display(description=_("二段階認証"))
    def two_factor(self, obj: User) -> str:
        """Whether the user has a second factor, and the reset page (a lost phone)."""
        if obj.pk is None:
            return "—"
        from casework import twofactor

        state = _("登録済み") if twofactor.has_second_factor(obj) else _("未登録")
        return format_html(
            '{}　<a href="{}">{}</a>',
            state,
            reverse("two_factor_reset", args=[obj.pk]),
            _("リセットする（理由を入力）"),
        )


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "active"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
