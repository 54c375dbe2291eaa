"""Forms for the foster pages. Labels and errors in Japanese, next to the field (UI.md)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import TOWN_CHOICES, Role
from casework.forms import DayField, Form, ViewsSection
from casework.models import User
from foster.choices import (
    ApplicantStatus,
    Course,
    FosterType,
    HeardFrom,
    PlacementEnd,
    Stage,
    StepOutcome,
)
from foster.models import CouncilSession, Home

PICK = [("", _("選んでください"))]


def today_field(label, **kw) -> DayField:
    field = DayField(label=label, not_future=True, **kw)
    field.initial = timezone.localdate
    return field


def text_field(label, *, required: bool = True, max_length: int = 2000, rows: int = 3, **kw):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return str(user)


def foster_workers():
    return User.objects.filter(is_active=True, groups__name=Role.FOSTER).order_by("username")


class ApplicantForm(Form):
    """A household's application (受付): who they are, what they seek, who is responsible."""

    name = forms.CharField(label=_("申請者氏名"), max_length=80)
    name_kana = forms.CharField(label=_("ふりがな"), max_length=120)
    phone = forms.CharField(label=_("電話番号"), max_length=40, required=False)
    email = forms.CharField(label=_("メールアドレス"), max_length=120, required=False)
    town = forms.ChoiceField(label=_("町名"), choices=PICK + TOWN_CHOICES)
    address = forms.CharField(
        label=_("住所（番地以下）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "w-long"}),
    )
    foster_type = forms.ChoiceField(
        label=_("希望する里親の種類"), choices=PICK + FosterType.choices
    )
    heard_from = forms.ChoiceField(
        label=_("制度を知ったきっかけ"), choices=PICK + HeardFrom.choices
    )
    worker = WorkerChoiceField(label=_("担当者"), queryset=User.objects.none())
    opened_on = today_field(_("受付日"))

    def __init__(self, *args, actor: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = foster_workers()
        if actor is not None:
            self.fields["worker"].initial = actor.pk


class ReopenForm(Form):
    opened_on = today_field(_("新たな申込みの受付日"))


class StepForm(Form):
    """The next stage of an application (only the next one is accepted: DOMAIN §5)."""

    stage = forms.TypedChoiceField(
        label=_("段階"), choices=PICK + Stage.choices, coerce=int, empty_value=None
    )
    done_on = today_field(
        _("実施日"), required=False, help_text=_("児童福祉審議会は開催日になります。")
    )
    outcome = forms.ChoiceField(
        label=_("結果"), choices=StepOutcome.choices, initial=StepOutcome.COMPLETED
    )
    session = forms.ModelChoiceField(
        label=_("審議した児童福祉審議会"),
        queryset=CouncilSession.objects.none(),
        required=False,
        empty_label=_("選んでください（児童福祉審議会の段階のみ）"),
    )
    capacity = forms.TypedChoiceField(
        label=_("受託できる人数"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("種類の上限（認定・登録の段階のみ）"))] + [(n, n) for n in range(1, 7)],
    )
    notes = text_field(_("記録"), required=False)

    def __init__(self, *args, next_stage: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = CouncilSession.objects.order_by("-held_on", "-pk")
        if next_stage:
            self.fields["stage"].initial = next_stage


class TrainingForm(Form):
    course = forms.ChoiceField(label=_("研修"), choices=PICK + Course.choices)
    attended_on = today_field(_("受講修了日"))
    notes = forms.CharField(label=_("備考"), max_length=500, required=False)


class StudyVisitForm(Form):
    visited_on = today_field(_("訪問日"))
    findings = text_field(_("所見"))


class MemberForm(Form):
    name = forms.CharField(label=_("氏名"), max_length=80)
    relationship = forms.CharField(
        label=_("続柄"), max_length=20, help_text=_("例：配偶者、長男、同居の母")
    )
    birth_year = forms.IntegerField(
        label=_("生年（西暦）"),
        required=False,
        min_value=1873,
        max_value=2100,
        error_messages={
            "invalid": _("生年は西暦の数字で入力してください（例：1985）。"),
            "min_value": _("生年は1873年以降を入力してください。"),
            "max_value": _("生年は2100年以前を入力してください。"),
        },
    )


class CloseForm(Form):
    status = forms.ChoiceField(
        label=_("区分"),
        choices=[
            (ApplicantStatus.WITHDRAWN, ApplicantStatus.WITHDRAWN.label),
            (ApplicantStatus.DECLINED, ApplicantStatus.DECLINED.label),
        ],
        widget=forms.RadioSelect,
    )
    closed_on = today_field(_("辞退・不認定の日"))
    reason = text_field(_("理由"), max_length=1000)


class SessionForm(Form):
    held_on = DayField(label=_("開催日"))
    title = forms.CharField(
        label=_("会議名"),
        max_length=80,
        help_text=_("例：港区児童福祉審議会 里親認定部会（第3回）"),
    )


class CapacityForm(Form):
    capacity = forms.TypedChoiceField(
        label=_("受託できる人数"), coerce=int, choices=PICK + [(n, n) for n in range(1, 7)]
    )


class RenewalTrainingForm(Form):
    attended_on = today_field(_("更新研修の受講修了日"))


class RenewForm(Form):
    renewed_on = today_field(_("更新日"))


class HomeVisitForm(Form):
    visited_on = today_field(_("訪問日"))
    seen = forms.CharField(
        label=_("面会した人"), max_length=200, help_text=_("例：里母、委託児童、実子")
    )
    findings = text_field(_("所見"))


class HomeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, home: Home) -> str:
        return f"{home.name}（{home.get_foster_type_display()}・{home.district}）"


def offer_homes(field: HomeChoiceField, homes: list[Home]) -> None:
    """Offer the matching aid's homes (no second query); the field still validates against
    every registered home, so a home filled meanwhile gets the service's message."""
    field.widget.choices = [("", _("選んでください"))] + [
        (home.pk, field.label_from_instance(home)) for home in homes
    ]


class ProposeForm(ViewsSection):
    """A placement proposed from the case file (the matching aid beside it lists the homes),
    with the child's views heard before the decision or why not (DOMAIN §11)."""

    home = HomeChoiceField(label=_("里親家庭"), queryset=Home.objects.none())
    planned_start = DayField(label=_("委託開始予定日"))
    planned_end = DayField(label=_("委託終了予定日"), required=False)
    needs = text_field(
        _("養育上の配慮事項"),
        required=False,
        help_text=_("里親担当と里親家庭に伝わります（アレルギー、通学、面会の制限など）。"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = Home.objects.active().order_by("pk")
        self.fields["planned_start"].initial = timezone.localdate


class ConfirmForm(Form):
    started_on = today_field(_("委託開始日"))


class WithdrawForm(Form):
    reason = forms.CharField(label=_("取下げの理由"), max_length=500)


class EndForm(ViewsSection):
    """The end of a placement (措置の解除), with the child's views (DOMAIN §11)."""

    ended_on = today_field(_("委託終了日"))
    end_kind = forms.ChoiceField(label=_("終了の区分"), choices=PICK + PlacementEnd.choices)
    reason = text_field(_("終了の理由"), max_length=1000)


class PipelineFilterForm(Form):
    foster_type = forms.ChoiceField(
        label=_("里親の種類"), required=False, choices=[("", _("すべて"))] + FosterType.choices
    )
