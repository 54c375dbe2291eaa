"""The layout (rooms and beds) in the Django admin, for the admin role. Stays are case content
and are not in the admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from shelter.models import Bed, BedAssignment, Room

OCCUPIED = _("入所中の児童がいるため使用停止にできません。先にベッドを移動してください。")


def _occupied(beds) -> bool:
    return BedAssignment.objects.filter(bed__in=beds, to_date__isnull=True).exists()


class BedAdminForm(forms.ModelForm):
    class Meta:
        model = Bed
        fields = ["room", "label", "active", "sort_order"]

    def clean_active(self):
        active = self.cleaned_data["active"]
        if self.instance.pk and not active and _occupied([self.instance]):
            raise forms.ValidationError(OCCUPIED)
        return active


class RoomAdminForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "sex", "age_band", "active", "sort_order"]

    def clean_active(self):
        active = self.cleaned_data["active"]
        if self.instance.pk and not active and _occupied(self.instance.beds.all()):
            raise forms.ValidationError(OCCUPIED)
        return active


class BedInline(admin.TabularInline):
    model = Bed
    form = BedAdminForm
    extra = 0
    can_delete = False


@admin.register(Room)
class RoomAdmin(SimpleHistoryAdmin):
    form = RoomAdminForm
    list_display = ["name", "sex", "age_band", "active", "sort_order"]
    list_filter = ["sex", "age_band", "active"]
    inlines = [BedInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # rooms leave by deactivation; past stays keep pointing at them


@admin.register(Bed)
class BedAdmin(SimpleHistoryAdmin):
    form = BedAdminForm
    list_display = ["label", "room", "active", "sort_order"]
    list_filter = ["active", "room"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
