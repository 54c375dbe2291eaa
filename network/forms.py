"""Forms for the register's pages. Labels and errors in Japanese, next to the field (UI.md)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import TOWN_CHOICES, Role, Sex
from casework.forms import RANGE_ERROR, DayField, Form, _check_kana, parse_case_number
from casework.models import Case, Team, User
from network import rules
from network.choices import EntryEnd, EntryKind, EntryState
from network.models import Agency

PICK = [("", _("選んでください"))]


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


class AgencyChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "w-short", **(attrs or {})}, format="%Y-%m")


MONTH_ERROR = _("年月を入力してください（例：令和9年3月は 2027-03）。")


class MonthField(forms.DateField):
    """A month (the expected delivery month), kept as its first day."""

    widget = MonthInput

    def __init__(self, *args, **kwargs) -> None:
        messages = {"invalid": MONTH_ERROR, "required": MONTH_ERROR}
        super().__init__(
            *args, input_formats=["%Y-%m", "%Y-%m-%d"], error_messages=messages, **kwargs
        )

    def to_python(self, value):
        try:
            day = super().to_python(value)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return day.replace(day=1) if day else day

    def validate(self, value) -> None:
        super().validate(value)
        if value and not date(1873, 1, 1) <= value <= date(2100, 12, 31):
            raise forms.ValidationError(RANGE_ERROR, code="range")


def network_workers(team_ids) -> forms.models.QuerySet:
    return (
        User.objects.filter(
            is_active=True, groups__name=Role.NETWORK, memberships__team_id__in=sorted(team_ids)
        )
        .distinct()
        .order_by("username")
    )


def active_agencies():
    return Agency.objects.filter(active=True).order_by("kind", "name")


class CaseNumberField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("児童相談所のケース番号"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("例：R7-000123（この児童のケースに限ります）"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "w-short"}))
        super().__init__(**kwargs)


def clean_case(raw: str) -> Case | None:
    """The case named by its number (the service checks it is the entry's child's)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    parsed = parse_case_number(raw)
    if parsed is None:
        raise forms.ValidationError(_("ケース番号は「R7-000123」の形で入力してください。"))
    fiscal_year, seq = parsed
    case = Case.objects.filter(fiscal_year=fiscal_year, seq=seq).first()
    if case is None:
        raise forms.ValidationError(_("この児童のケースではありません。"))
    return case


class EntryFields(Form):
    """What a registration and its later changes share."""

    lead_agency = forms.ModelChoiceField(
        label=_("主担当機関"), queryset=Agency.objects.none(), empty_label=_("選んでください")
    )
    agencies = AgencyChoices(
        label=_("関係機関（主担当機関のほか）"), queryset=Agency.objects.none(), required=False
    )
    reason = text_field(_("登録の理由"))
    worker = WorkerChoiceField(label=_("担当者"), queryset=User.objects.none())
    next_review_on = DayField(
        label=_("次回の進行管理"),
        help_text=_("この日までに開かれる実務者会議の議題になります。"),
    )
    case_number = CaseNumberField()

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = active_agencies()
        self.fields["agencies"].queryset = active_agencies()
        self.fields["worker"].queryset = network_workers(actor.team_ids() | actor.supervises())
        if actor.has_role(Role.NETWORK):
            self.fields["worker"].initial = actor.pk

    def clean_case_number(self) -> Case | None:
        return clean_case(self.cleaned_data.get("case_number", ""))


class EntryForm(EntryFields):
    """A new registration: a child (entered here) or an expectant mother."""

    kind = forms.ChoiceField(label=_("登録区分"), choices=PICK + EntryKind.choices)
    team = forms.ModelChoiceField(
        label=_("係"), queryset=Team.objects.none(), empty_label=_("選んでください")
    )
    registered_on = DayField(label=_("登録日"), not_future=True)
    family_name = forms.CharField(label=_("児童の氏"), max_length=40, required=False)
    given_name = forms.CharField(label=_("児童の名"), max_length=40, required=False)
    family_name_kana = forms.CharField(label=_("氏（ふりがな）"), max_length=60, required=False)
    given_name_kana = forms.CharField(label=_("名（ふりがな）"), max_length=60, required=False)
    birth_date = DayField(label=_("生年月日"), not_future=True, required=False)
    sex = forms.ChoiceField(label=_("性別"), choices=PICK + Sex.choices, required=False)
    town = forms.ChoiceField(label=_("町名"), choices=PICK + TOWN_CHOICES, required=False)
    mother_name = forms.CharField(label=_("妊婦の氏名"), max_length=80, required=False)
    mother_name_kana = forms.CharField(
        label=_("妊婦の氏名（ふりがな）"), max_length=120, required=False
    )
    expected_month = MonthField(label=_("出産予定月"), required=False)

    CHILD_FIELDS = (
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birth_date",
        "sex",
        "town",
    )
    field_order = [
        "kind",
        "team",
        "registered_on",
        *CHILD_FIELDS,
        "mother_name",
        "mother_name_kana",
        "expected_month",
        "lead_agency",
        "agencies",
        "reason",
        "worker",
        "next_review_on",
        "case_number",
    ]

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        teams = Team.objects.filter(pk__in=sorted(actor.team_ids()), active=True).order_by("name")
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
        today = timezone.localdate()
        self.fields["registered_on"].initial = today
        self.fields["next_review_on"].initial = today
        for name in self.CHILD_FIELDS:
            self.fields[name].required_when = _("要保護児童・要支援児童は必須")
        for name in ("mother_name", "expected_month"):
            self.fields[name].required_when = _("特定妊婦は必須")

    def clean_family_name_kana(self) -> str:
        value = self.cleaned_data.get("family_name_kana", "")
        return _check_kana(value) if value.strip() else ""

    def clean_given_name_kana(self) -> str:
        value = self.cleaned_data.get("given_name_kana", "")
        return _check_kana(value) if value.strip() else ""

    def clean_mother_name_kana(self) -> str:
        value = self.cleaned_data.get("mother_name_kana", "")
        return _check_kana(value) if value.strip() else ""

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and kind != EntryKind.PREGNANT:
            labels = {
                "family_name": _("児童の氏を入力してください。"),
                "given_name": _("児童の名を入力してください。"),
                "family_name_kana": _("氏のふりがなを入力してください。"),
                "given_name_kana": _("名のふりがなを入力してください。"),
                "birth_date": _("生年月日を入力してください。"),
                "sex": _("性別を選んでください。"),
                "town": _("町名を選んでください。"),
            }
            for name, message in labels.items():
                if name not in self.errors and not data.get(name):
                    self.add_error(name, message)
        elif kind == EntryKind.PREGNANT:
            if not (data.get("mother_name") or "").strip() and "mother_name" not in self.errors:
                self.add_error("mother_name", _("妊婦の氏名を入力してください。"))
            if not data.get("expected_month") and "expected_month" not in self.errors:
                self.add_error("expected_month", _("出産予定月を入力してください。"))
        return data

    def new_child(self) -> dict | None:
        if self.cleaned_data["kind"] == EntryKind.PREGNANT:
            return None
        return {name: self.cleaned_data[name] for name in self.CHILD_FIELDS}


class EntryEditForm(EntryFields):
    field_order = ["lead_agency", "agencies", "reason", "worker", "next_review_on", "case_number"]


class EndForm(Form):
    end_kind = forms.ChoiceField(label=_("終了の区分"), choices=PICK + EntryEnd.choices)

    ended_on = DayField(label=_("登録終了日"), not_future=True)
    reason = text_field(_("終了の理由"))
    moved_to = forms.CharField(
        label=_("転出先の自治体（転出の場合）"), max_length=60, required=False
    )
    handover = text_field(_("引継ぎの内容（転出の場合）"), required=False)
    case_number = CaseNumberField(label=_("移行先のケース番号（児童相談所へ移行の場合）"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate
        self.fields["moved_to"].required_when = _("転出のとき必須")
        self.fields["handover"].required_when = _("転出のとき必須")
        self.fields["case_number"].required_when = _("児童相談所へ移行のとき必須")

    def clean_case_number(self) -> Case | None:
        return clean_case(self.cleaned_data.get("case_number", ""))


class RegisterFilterForm(Form):
    kind = forms.ChoiceField(
        label=_("区分"), required=False, choices=[("", _("すべて"))] + EntryKind.choices
    )
    state = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("", _("すべて"))] + EntryState.choices,
        initial=EntryState.OPEN,
    )
    due = forms.BooleanField(label=_("進行管理の時期が来ているものだけ"), required=False)


class SessionForm(Form):
    team = forms.ModelChoiceField(
        label=_("係"), queryset=Team.objects.none(), empty_label=_("選んでください")
    )
    held_on = DayField(label=_("開催日"))
    title = forms.CharField(label=_("会議名"), max_length=80)

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(pk__in=sorted(actor.team_ids()), active=True).order_by("name")
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
        self.fields["title"].initial = _("実務者会議")


class ReviewForm(Form):
    situation = text_field(_("現在の状況"))
    lead_agency = forms.ModelChoiceField(
        label=_("主担当機関"), queryset=Agency.objects.none(), empty_label=_("選んでください")
    )
    policy = text_field(_("援助方針"))
    next_review_on = DayField(label=_("次回の進行管理"))

    def __init__(
        self, *args, held_on: date | None = None, lead=None, agencies=None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = active_agencies()
        if agencies is not None:  # one list for every form on the agenda (no query per form)
            self.fields["lead_agency"].choices = [("", _("選んでください"))] + [
                (a.pk, str(a)) for a in agencies
            ]
        if lead is not None:
            self.fields["lead_agency"].initial = lead
        if held_on is not None:
            self.fields["next_review_on"].initial = rules.next_review(held_on)
            self.fields["next_review_on"].help_text = _(
                "既定は開催日の%(n)sか月後です（設定で変更できます）。"
            ) % {"n": rules.review_interval_months()}


class HandoutForm(Form):
    agency = forms.ModelChoiceField(
        label=_("配付先の機関"), queryset=Agency.objects.none(), empty_label=_("選んでください")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_agencies()
