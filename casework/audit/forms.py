"""Filters for the auditor's desk: user, record type and period (PRODUCT §4)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.audit.chain import history_models
from casework.choices import DeadlineKind
from casework.forms import DayField
from casework.models import User


def record_type_choices() -> list[tuple[str, str]]:
    """Every record type that keeps history, by its Japanese name (labels are stable values)."""
    from casework.audit.selectors import record_type_name

    labels = [m.instance_type._meta.label for m in history_models()]
    types = {label: record_type_name(label) for label in labels}
    return [("", _("すべて"))] + sorted(types.items(), key=lambda item: item[1])


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("職員"),
        required=False,
        queryset=User.objects.order_by("username"),
        empty_label=_("すべて"),
        error_messages={"invalid_choice": _("一覧から職員を選んでください。")},
    )
    record_type = forms.ChoiceField(
        label=_("記録の種類"),
        required=False,
        error_messages={"invalid_choice": _("一覧から記録の種類を選んでください。")},
    )
    date_from = DayField(label=_("期間（開始日）"), required=False)
    date_to = DayField(label=_("期間（終了日）"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = record_type_choices()

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日は開始日と同じか、それより後の日付にしてください。"))
        return data

    def period(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in the current time zone (Asia/Tokyo); the end date is included."""
        data = self.cleaned_data
        start = end = None
        if data.get("date_from"):
            start = timezone.make_aware(datetime.combine(data["date_from"], time.min))
        if data.get("date_to"):
            next_day = data["date_to"] + timedelta(days=1)
            end = timezone.make_aware(datetime.combine(next_day, time.min))
        return start, end


class DeadlineAuditForm(forms.Form):
    """/audit/deadlines/: the deadlines that fell due in a period, by kind and team."""

    date_from = DayField(label=_("期限（開始日）"), required=False)
    date_to = DayField(label=_("期限（終了日）"), required=False)
    kind = forms.ChoiceField(
        label=_("種類"), required=False, choices=[("", _("すべて")), *DeadlineKind.choices]
    )
    team = forms.ModelChoiceField(
        label=_("係"),
        required=False,
        queryset=None,
        empty_label=_("すべて"),
        error_messages={"invalid_choice": _("一覧から係を選んでください。")},
    )
    practical = forms.BooleanField(label=_("実務上の期限（承認待ちなど）も含める"), required=False)
    format = forms.ChoiceField(required=False, choices=[("", "html"), ("csv", "csv")])

    def __init__(self, *args, **kwargs) -> None:
        from casework.models import Team

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日は開始日と同じか、それより後の日付にしてください。"))
        return data


class ViewsAuditForm(forms.Form):
    """/audit/views/: the decisions of a fiscal year or of a period (from–to)."""

    fiscal_year = forms.TypedChoiceField(
        label=_("年度"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("一覧から年度を選んでください。")},
    )
    date_from = DayField(label=_("決定日（開始日）"), required=False)
    date_to = DayField(label=_("決定日（終了日）"), required=False)
    format = forms.ChoiceField(
        label=_("出力形式"),
        required=False,
        choices=[("", _("画面に表示")), ("csv", _("CSV"))],
        error_messages={"invalid_choice": _("出力形式を一覧から選んでください。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        from casework import wareki
        from casework.rules import fiscal_year_of

        super().__init__(*args, **kwargs)
        this_year = fiscal_year_of(timezone.localdate())
        self.fields["fiscal_year"].choices = [("", _("指定しない（期間で指定）"))] + [
            (year, f"{wareki.fiscal_year_label(year)}（{year}年度）")
            for year in range(this_year, 2023, -1)
        ]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日は開始日と同じか、それより後の日付にしてください。"))
        if data.get("fiscal_year") and (start or end):
            self.add_error(
                "fiscal_year", _("年度か期間（開始日・終了日）のどちらか一方を指定してください。")
            )
        return data

    def period(self) -> tuple:
        """(start, end) dates, both included; a fiscal year runs 1 April to 31 March."""
        from datetime import date

        data = self.cleaned_data
        if data.get("fiscal_year"):
            year = data["fiscal_year"]
            return date(year, 4, 1), date(year + 1, 3, 31)
        return data.get("date_from"), data.get("date_to")
