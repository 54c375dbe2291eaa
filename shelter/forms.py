"""Forms for the shelter pages. Labels and errors in Japanese, next to the field (UI.md)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import DayField, Form, ViewsSection
from shelter.choices import AppealResult, Attendance, Destination, Grounds, StayKind
from shelter.models import Bed
from shelter.services import INSTITUTIONS, MISMATCH_NEEDS_REASON, day_problem

YES_NO = [("yes", _("あり")), ("no", _("なし（または未確認）"))]


def date_field(label, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return DayField(label=label, required=required, help_text=help_text)


def yes_no_field(label, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("「あり」か「なし」を選んでください。")},
    )


class BedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, bed: Bed) -> str:
        return f"{bed.label}（{bed.room.name}・{bed.room.marking}）"


def offer_free_beds(
    field: BedChoiceField, taken_ids: set[int], fitting: set[int] | None = None
) -> list[Bed]:
    """Validate against every active bed, but offer only the free ones: a bed taken between
    showing the form and sending it then gets the service's 「ベッド使用中」, not a form error.
    With `fitting` (the beds whose room suits the child), those come first and the others are
    grouped apart as needing a reason. Returns the free beds."""
    from shelter.selectors import active_beds

    beds = list(active_beds())
    field.queryset = active_beds()
    free = [bed for bed in beds if bed.pk not in taken_ids]
    options = [(bed.pk, field.label_from_instance(bed)) for bed in free]
    if fitting is None:
        field.widget.choices = [("", field.empty_label), *options]
        return free
    suits = [(pk, label) for pk, label in options if pk in fitting]
    other = [(pk, label) for pk, label in options if pk not in fitting]
    groups: list = [("", field.empty_label)]
    if suits:
        groups.append((_("性別・年齢に合う部屋"), suits))
    if other:
        groups.append((_("区分の違う部屋（理由の入力が必要）"), other))
    field.widget.choices = groups
    return free


GROUNDS_CHOICES = [("", _("選んでください")), *Grounds.choices]


class ProtectionDecisionForm(ViewsSection):
    """一時保護決定, recorded on the case file by its supervisor or an assigned worker, with the
    child's views heard before it or why they could not be (DOMAIN §11)."""

    decided_on = date_field(_("決定日"))
    grounds = forms.ChoiceField(
        label=_("一時保護の理由"),
        choices=GROUNDS_CHOICES,
        error_messages={"required": _("一時保護の理由を選んでください。")},
    )
    kind = forms.ChoiceField(
        label=_("保護の形態"),
        choices=StayKind.choices,
        initial=StayKind.SHELTER,
        widget=forms.RadioSelect,
        error_messages={"required": _("保護の形態を選んでください。")},
    )
    notes = forms.CharField(
        label=_("一時保護所への申し送り"),
        required=False,
        max_length=2000,
        help_text=_("食事・服薬・面会の制限など、受け入れに必要なこと"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()


class DecisionCancelForm(Form):
    reason = forms.CharField(
        label=_("取消しの理由"),
        max_length=500,
        error_messages={"required": _("取消しの理由を入力してください。")},
    )


class AdmitForm(Form):
    """Carry out a pending protection decision (the decision fixes the grounds and the form)."""

    bed = BedChoiceField(
        label=_("ベッド"),
        queryset=Bed.objects.none(),
        required=False,
        empty_label=_("空いているベッドを自動で選ぶ（部屋の区分が合うベッドを優先）"),
        help_text=_("一時保護所に入所するときに選びます。"),
    )
    entrusted_to = forms.CharField(
        label=_("委託先"),
        required=False,
        max_length=100,
        help_text=_("委託一時保護のときに入力します（施設・病院・里親など）。"),
        widget=forms.TextInput(attrs={"class": "w-long"}),
    )
    started_on = date_field(
        _("保護開始日"), help_text=_("児童を実際に保護した日（この日を1日目として数えます）")
    )
    parental_consent = yes_no_field(
        _("親権者等の同意"), help_text=_("同意がなければ7日以内に一時保護状の請求が必要です。")
    )
    planned_end_on = date_field(
        _("解除予定日"), required=False, help_text=_("見込みがあれば入力します。")
    )
    mismatch_reason = forms.CharField(
        label=_("区分の違う部屋とする理由"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "児童の性別・年齢と違う区分の部屋のベッドを選ぶときだけ入力します。ケース記録に残ります。"
        ),
    )

    def __init__(
        self,
        *args,
        taken_ids: set[int] | None = None,
        kind: str = "",
        child=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.child = child
        self.fields["started_on"].initial = timezone.localdate()
        self.no_fitting_bed = False
        if kind == StayKind.ENTRUSTED:
            del self.fields["bed"]
            del self.fields["mismatch_reason"]
            return
        del self.fields["entrusted_to"]
        fitting = self._fitting(timezone.localdate()) if child is not None else None
        free = offer_free_beds(self.fields["bed"], taken_ids or set(), fitting)
        if fitting is not None:
            self.no_fitting_bed = bool(free) and not any(b.pk in fitting for b in free)
            self.fields["mismatch_reason"].required_when = _("区分の違う部屋のとき必須")

    def _fitting(self, on) -> set[int]:
        from shelter.selectors import active_beds

        beds = list(active_beds())
        return {b.pk for b in beds if not b.room.mismatch(self.child, on)}

    def clean(self):
        data = super().clean()
        if "entrusted_to" in self.fields and not data.get("entrusted_to", "").strip():
            self.add_error("entrusted_to", _("委託先を入力してください。"))
        start = data.get("started_on")
        bed = data.get("bed")
        if (
            self.child is not None
            and "bed" in self.fields
            and bed is not None
            and start is not None
            and not data.get("mismatch_reason", "").strip()
        ):
            mismatch = bed.room.mismatch(self.child, start)
            if mismatch:
                self.add_error("mismatch_reason", f"{mismatch}{MISMATCH_NEEDS_REASON}")
        start, planned = data.get("started_on"), data.get("planned_end_on")
        if start and planned and planned < start:
            self.add_error("planned_end_on", _("解除予定日は保護開始日以降にしてください。"))
        return data


class MoveForm(Form):
    bed = BedChoiceField(
        label=_("移動先のベッド"),
        queryset=Bed.objects.none(),
        empty_label=_("選んでください"),
        error_messages={"required": _("移動先のベッドを選んでください。")},
    )
    moved_on = date_field(_("移動日"))

    def __init__(self, *args, taken_ids: set[int] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offer_free_beds(self.fields["bed"], taken_ids or set())
        self.fields["moved_on"].initial = timezone.localdate()


class DischargeForm(ViewsSection):
    """The end of protection; a discharge to a 乳児院 or 児童養護施設 is the 施設入所 decision, so
    it carries the child's views heard before it or why not (DOMAIN §11)."""

    views_required = False

    ended_on = date_field(_("退所日（解除日）"))
    destination = forms.ChoiceField(
        label=_("退所先"),
        choices=[("", _("選んでください"))] + list(Destination.choices),
        error_messages={"required": _("退所先を選んでください。")},
    )
    reason = forms.CharField(
        label=_("解除の理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("解除の理由を入力してください。")},
    )

    def __init__(self, *args, stay=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stay = stay
        self.fields["ended_on"].initial = timezone.localdate()
        self.fields["views_timing"].required_when = _("退所先が乳児院・児童養護施設のとき必須")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("destination") in INSTITUTIONS and not data.get("views_timing"):
            self.add_error(
                "views_timing",
                _(
                    "施設入所の決定です。子どもの意見を決定の前に聴取したか、"
                    "事前に聴取できなかったかを選んでください。"
                ),
            )
        return data

    def clean_ended_on(self):
        """Checked here as well as in the service, so that a wrong date shows with a missing
        reason on the same submit (the service re-checks against the locked stay)."""
        ended_on = self.cleaned_data["ended_on"]
        if self.stay is not None:
            problem = day_problem(ended_on, self.stay, timezone.localdate(), "退所日")
            if problem:
                raise forms.ValidationError(problem)
        return ended_on


class ConsentForm(Form):
    consent = yes_no_field(_("親権者等の同意"))
    on = date_field(_("確認日"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class WarrantRequestForm(Form):
    requested_on = date_field(_("一時保護状の請求日"))


class WarrantDecisionForm(Form):
    result = forms.ChoiceField(
        label=_("裁判官の判断"),
        choices=[("granted", _("発付")), ("refused", _("却下"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("「発付」か「却下」を選んでください。")},
    )
    decided_on = date_field(_("判断日"))


class AppealForm(Form):
    appeal_on = date_field(_("準抗告の申立日"), help_text=_("却下の日から3日以内"))
    result = forms.ChoiceField(
        label=_("準抗告の結果"), choices=AppealResult.choices, required=False
    )


class ExtensionForm(Form):
    requested_on = date_field(
        _("申立日（同意による延長は決定日）"), help_text=_("現在の期間の末日までに")
    )
    parental_consent = yes_no_field(
        _("親権者等の同意"), help_text=_("同意がなければ家庭裁判所の承認が必要です。")
    )
    court_case_ref = forms.CharField(label=_("家庭裁判所の事件番号"), required=False, max_length=40)
    note = forms.CharField(
        label=_("備考"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionDecisionForm(Form):
    decision = forms.ChoiceField(
        label=_("家庭裁判所の判断"),
        choices=[("approve", _("承認")), ("refuse", _("不承認"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("「承認」か「不承認」を選んでください。")},
    )
    decided_on = date_field(_("判断日"))
    court_case_ref = forms.CharField(label=_("家庭裁判所の事件番号"), required=False, max_length=40)


class SchoolForm(Form):
    school = forms.CharField(label=_("在籍校"), required=False, max_length=100)
    contacted_on = date_field(_("学校への連絡日"), required=False)
    contact = forms.CharField(label=_("学校の連絡先・担当者"), required=False, max_length=120)
    attendance = forms.ChoiceField(
        label=_("出席・学籍の扱い"), choices=Attendance.choices, required=False
    )
    attendance_note = forms.CharField(
        label=_("取り決めの内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
