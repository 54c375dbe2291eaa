"""Forms for casework pages. Labels and errors in Japanese."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import (
    DISTRICT_CHOICES,
    CaseStatus,
    Category,
    ClosureOutcome,
    DeadlineKind,
    DeadlineState,
    HandbookDegree,
    NoteKind,
    PlanKind,
    Profession,
    ViewsDeferral,
    ViewsMethod,
    ViewsTiming,
)
from casework.models import Team, User

DJANGO_REQUIRED = forms.Field.default_error_messages["required"]


def required_message(field: forms.Field) -> str:
    """What to do, in the field's own words: 「性別を選んでください。」 (not Django's generic
    「このフィールドは必須です。」)."""
    label = field.label or ""
    if isinstance(field, forms.BooleanField):
        return _("「%(label)s」を確認して、チェックを入れてください。") % {"label": label}
    if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
        return _("%(label)sを選んでください。") % {"label": label}
    if isinstance(field, (forms.DateField, forms.DateTimeField)):
        return _("%(label)sを入力してください。") % {"label": label}
    return _("%(label)sを入力してください。") % {"label": label}


class SaysWhatToDo:
    """Every required field's message names the field and says what to do (DADS wording);
    a message a form sets itself is kept."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.error_messages.get("required") is DJANGO_REQUIRED:
                field.error_messages["required"] = required_message(field)


class Form(SaysWhatToDo, forms.Form):
    pass


class ModelForm(SaysWhatToDo, forms.ModelForm):
    pass


class LoginForm(SaysWhatToDo, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "ユーザー名またはパスワードが正しくありません。大文字・小文字も区別されます。"
        ),
        "inactive": _("このアカウントは利用停止中です。システム管理者に連絡してください。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("ユーザー名")
        self.fields["password"].label = _("パスワード")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["username"].error_messages["required"] = _("ユーザー名を入力してください。")
        self.fields["password"].error_messages["required"] = _("パスワードを入力してください。")
        # Django sets max_length here only as an HTML attribute; an overlong name must be refused
        # before authentication (django-axes records the attempted name in a 255-long column).
        limit = self.fields["username"].max_length or 150
        self.fields["username"].validators.append(
            MaxLengthValidator(
                limit, _("ユーザー名が長すぎます。正しいユーザー名を入力してください。")
            )
        )
        self.fields["password"].validators.append(
            MaxLengthValidator(4096, _("パスワードが長すぎます。"))
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "w-short", **(attrs or {})}, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "w-medium", **(attrs or {})}, format="%Y-%m-%dT%H:%M")


DATE_ERROR = _("日付を入力してください（例：令和7年4月2日は 2025-04-02）。")
DATETIME_ERROR = _("日時を入力してください（例：令和7年4月2日 14時30分は 2025-04-02 14:30）。")
RANGE_ERROR = _("明治6年（1873年）1月1日から2100年12月31日までの日付を入力してください。")


def _in_range(day) -> bool:
    from casework.wareki import FIRST_DAY, LAST_DAY

    return FIRST_DAY <= day <= LAST_DAY


class DayField(forms.DateField):
    """A date the product can show and compute with (明治6年1月1日 to 2100-12-31): every date
    a user types goes through this field, so no page ever meets a date it cannot display.
    `not_future=True` refuses a date after today (Asia/Tokyo) first, with its own message."""

    def __init__(self, *args, not_future: bool = False, **kwargs) -> None:
        self.not_future = not_future
        kwargs.setdefault("widget", DateInput())
        messages = {"invalid": DATE_ERROR, "required": DATE_ERROR}
        messages.update(kwargs.pop("error_messages", {}) or {})
        super().__init__(*args, error_messages=messages, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def validate(self, value) -> None:
        super().validate(value)
        if value and self.not_future and value > timezone.localdate():
            raise forms.ValidationError(
                _("%(label)sに未来の日付は入力できません。") % {"label": self.label},
                code="future",
            )
        if value and not _in_range(value):
            raise forms.ValidationError(RANGE_ERROR, code="range")


class MomentField(forms.DateTimeField):
    """A date and time within the same range, entered in Asia/Tokyo."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", DateTimeInput())
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        messages = {"invalid": DATETIME_ERROR, "required": DATETIME_ERROR}
        messages.update(kwargs.pop("error_messages", {}) or {})
        super().__init__(*args, error_messages=messages, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def validate(self, value) -> None:
        super().validate(value)
        if value and not _in_range(value.date()):
            raise forms.ValidationError(RANGE_ERROR, code="range")


class CaseFilterForm(Form):
    """Filters for /cases/: status, category, worker, district, case number, kana + birth date."""

    status = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("", _("すべて")), ("open", _("終結以外"))] + list(CaseStatus.choices),
    )
    category = forms.TypedChoiceField(
        label=_("相談種別"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("すべて"))] + list(Category.choices),
    )
    worker = forms.ModelChoiceField(
        label=_("担当者"), required=False, queryset=None, empty_label=_("すべて")
    )
    district = forms.ChoiceField(
        label=_("地区"), required=False, choices=[("", _("すべて"))] + DISTRICT_CHOICES
    )
    number = forms.CharField(
        label=_("ケース番号"),
        required=False,
        max_length=20,
        help_text=_("例：R7-000123"),
        widget=forms.TextInput(attrs={"class": "w-short"}),
    )
    kana = forms.CharField(
        label=_("氏名（ふりがな）"),
        required=False,
        max_length=60,
        help_text=_(
            "名字だけ・名前だけ・フルネーム（「もり ひまり」）で探せます。カタカナ・半角・"
            "「ヴ」「ー」などの書き方の違いは区別しません。"
        ),
        widget=forms.TextInput(attrs={"class": "w-medium", "autocomplete": "off"}),
    )
    birth_date = DayField(label=_("生年月日"), required=False, help_text=_("任意"))
    quiet = forms.BooleanField(label=_("30日以上記録のないケースだけ"), required=False)

    def __init__(self, *args, workers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers if workers is not None else User.objects.none()

    def clean_number(self) -> tuple[int, int] | None:
        raw = self.cleaned_data.get("number", "").strip()
        if not raw:
            return None
        parsed = parse_case_number(raw)
        if parsed is None:
            raise forms.ValidationError(_("ケース番号は「R7-000123」の形で入力してください。"))
        return parsed

    def clean_kana(self) -> str:
        from casework.kana import fold_kana

        raw = self.cleaned_data.get("kana", "").strip()
        if raw and not fold_kana(raw):
            raise forms.ValidationError(_("ふりがなを入力してください（例：もり、もり ひまり）。"))
        return raw


def parse_case_number(raw: str) -> tuple[int, int] | None:
    """「R7-000123」→ (2025, 123): era initial + year → fiscal year, and the sequence."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", raw).strip().upper()
    match = re.fullmatch(r"([RHS])(\d{1,2})-(\d{1,6})", text)
    if not match:
        return None
    starts = {"R": 2018, "H": 1988, "S": 1925}
    return starts[match[1]] + int(match[2]), int(match[3])


class NoteForm(Form):
    kind = forms.ChoiceField(label=_("種別"), choices=NoteKind.choices)
    occurred_at = MomentField(label=_("実施日時"))
    body = forms.CharField(
        label=_("内容"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("記録の内容を入力してください。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        # 実施日時 starts at now (most notes are written right after the call or the visit).
        kwargs.setdefault("initial", {}).setdefault(
            "occurred_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        )
        super().__init__(*args, **kwargs)


class StatusForm(Form):
    """The case's next step, named on the button (「「調査」に進める」): the state is not picked
    from a list but confirmed; the steps that need a reason say so."""

    to = forms.ChoiceField(
        label=_("移す先の状態"),
        choices=CaseStatus.choices,
        widget=forms.HiddenInput,
        error_messages={"required": _("移す先の状態を選んでください。")},
    )
    reason = forms.CharField(label=_("理由・メモ"), required=False, max_length=200)

    expected = forms.ChoiceField(  # the state the user saw: a move made meanwhile is refused
        choices=CaseStatus.choices,
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _("画面を読み込み直してから、もう一度操作してください。")
        },
    )

    def __init__(self, *args, step_reason: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        step_reason = step_reason or CaseStatus.step_reasons().get(self.data.get("to"), "")
        if step_reason:
            self.fields["reason"].label = step_reason
            self.fields["reason"].required_when = _("この変更では必須")


class PlanForm(Form):
    kind = forms.ChoiceField(label=_("援助方針"), choices=PlanKind.choices)
    detail = forms.CharField(
        label=_("方針の内容"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("援助方針の内容を入力してください。")},
    )


class DecisionForm(Form):
    decision = forms.ChoiceField(
        label=_("判断"),
        choices=[("approve", _("承認する")), ("return", _("差し戻す"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("承認するか差し戻すかを選んでください。")},
    )
    comment = forms.CharField(label=_("コメント"), required=False, max_length=200)
    closed_on = DayField(label=_("終結日"), required=False)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class ClosureForm(Form):
    outcome = forms.ChoiceField(label=_("終結区分"), choices=ClosureOutcome.choices)
    reason = forms.CharField(
        label=_("終結の理由"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("終結の理由を入力してください。")},
    )


def leads_by_team(field: forms.ModelChoiceField, teams) -> None:
    """Offer a lead picker's staff grouped under their team (「第一係」「第二係」), so that the
    list read with the team chosen shows whose team each is; clean() checks the pair."""
    from casework.models import Membership

    teams = list(teams)
    rows = (
        Membership.objects.filter(
            team__in=teams,
            user__is_active=True,
            user__groups__name__in=["caseworker", "supervisor"],
        )
        .select_related("user", "team")
        .order_by("team__name", "user__username")
        .distinct()
    )
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(str(row.team), []).append((row.user_id, str(row.user)))
    field.queryset = (
        User.objects.filter(pk__in=[pk for options in groups.values() for pk, _l in options])
        .distinct()
        .order_by("username")
    )
    field.widget.choices = [("", field.empty_label or _("選んでください"))] + [
        (team, options) for team, options in groups.items()
    ]


def check_lead_in_team(form: forms.Form, team_field: str, lead_field: str) -> None:
    team, lead = form.cleaned_data.get(team_field), form.cleaned_data.get(lead_field)
    if team is not None and lead is not None and team.pk not in lead.team_ids():
        form.add_error(lead_field, _("%(team)sの職員から選んでください。") % {"team": team})


class TransferForm(Form):
    team = forms.ModelChoiceField(
        label=_("移管先の係"),
        queryset=Team.objects.none(),
        error_messages={"required": _("移管先の係を選んでください。")},
    )
    new_lead = forms.ModelChoiceField(
        label=_("新しい主担当"),
        queryset=User.objects.none(),
        error_messages={"required": _("新しい主担当を選んでください。")},
    )
    reason = forms.CharField(
        label=_("移管の理由"),
        max_length=200,
        error_messages={"required": _("移管の理由を入力してください。")},
    )
    expected_lead = forms.IntegerField(  # the lead the page showed: a transfer made meanwhile wins
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("画面を読み込み直してから、もう一度操作してください。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(active=True).order_by("name")
        self.fields["team"].queryset = teams
        self.fields["new_lead"].empty_label = _("選んでください")
        leads_by_team(self.fields["new_lead"], teams)

    def clean(self):
        data = super().clean()
        check_lead_in_team(self, "team", "new_lead")
        return data


class AddWorkerForm(Form):
    user = forms.ModelChoiceField(
        label=_("職員"),
        queryset=User.objects.none(),
        empty_label=_("選んでください"),
        error_messages={
            "required": _("職員を選んでください。"),
            "invalid_choice": _("一覧から職員を選んでください。"),
        },
    )
    role = forms.ChoiceField(label=_("ケースでの役割"), choices=Profession.choices)

    def __init__(self, *args, case=None, **kwargs) -> None:
        from casework.services import eligible_coworkers

        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["user"].queryset = eligible_coworkers(case)


class ShareForm(Form):
    """Share a case read-only with a worker of another team (a supervisor of the owning team)."""

    user = forms.ModelChoiceField(
        label=_("共有先の職員"),
        queryset=User.objects.none(),
        empty_label=_("選んでください"),
        help_text=_(
            "他の係の福祉司・心理司・SV、または子ども家庭支援センターの担当職員。"
            "閲覧のみで、変更はできません。"
        ),
        error_messages={
            "required": _("共有先の職員を選んでください。"),
            "invalid_choice": _("一覧から職員を選んでください。"),
        },
    )
    reason = forms.CharField(
        label=_("共有の理由"),
        max_length=200,
        error_messages={"required": _("共有の理由を入力してください。")},
    )

    def __init__(self, *args, case=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if case is not None:
            from casework.models import CaseShare, CaseWorker

            self.fields["user"].queryset = (
                User.objects.filter(
                    is_active=True, groups__name__in=["caseworker", "supervisor", "network"]
                )
                .exclude(memberships__team_id=case.team_id)
                .exclude(pk__in=CaseWorker.objects.filter(case=case, active=True).values("user"))
                .exclude(pk__in=CaseShare.objects.filter(case=case, active=True).values("user"))
                .distinct()
                .order_by("username")
            )


class SchoolLiaisonForm(Form):
    school = forms.CharField(
        label=_("学校名"),
        max_length=100,
        error_messages={"required": _("学校名を入力してください。")},
    )
    contacted_on = DayField(label=_("連絡日"))
    contact_person = forms.CharField(label=_("先方担当者"), max_length=80, required=False)
    agreed = forms.CharField(
        label=_("確認・合意事項"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("確認・合意した内容を入力してください。")},
    )


class ChildForm(ModelForm):
    birth_date = DayField(label=_("生年月日"), not_future=True)
    reason = forms.CharField(
        label=_("修正の理由"),
        max_length=200,
        error_messages={"required": _("修正の理由を入力してください。")},
    )

    class Meta:
        from casework.models import Child

        model = Child
        fields = [
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "birth_date",
            "sex",
            "town",
            "address",
            "school",
            "allergies",
        ]
        widgets = {"allergies": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "family_name": {"required": _("氏を入力してください。")},
            "given_name": {"required": _("名を入力してください。")},
            "family_name_kana": {"required": _("氏のふりがなを入力してください。")},
            "given_name_kana": {"required": _("名のふりがなを入力してください。")},
        }

    def clean_family_name_kana(self):
        return _check_kana(self.cleaned_data["family_name_kana"])

    def clean_given_name_kana(self):
        return _check_kana(self.cleaned_data["given_name_kana"])


def _check_kana(value: str) -> str:
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", value).strip()
    if not re.fullmatch(r"[ぁ-ゖァ-ヺー・ 　]+", text):
        raise forms.ValidationError(_("ふりがなはひらがな又はカタカナで入力してください。"))
    return text


class HouseholdMemberForm(ModelForm):
    class Meta:
        from casework.models import HouseholdMember

        model = HouseholdMember
        fields = [
            "relationship",
            "name",
            "name_kana",
            "is_guardian",
            "has_parental_authority",
            "lives_with_child",
            "birth_year",
            "phone",
            "address",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        error_messages = {"name": {"required": _("氏名を入力してください。")}}


class HouseholdEndForm(Form):
    """The confirmation behind 「世帯から外す」 (an empty POST changes nothing)."""

    confirm = forms.BooleanField(
        widget=forms.HiddenInput,
        error_messages={"required": _("画面を読み込み直してから、もう一度操作してください。")},
    )


class DeadlineFilterForm(Form):
    state = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("", _("未完了")), ("all", _("すべて"))]
        + [c for c in DeadlineState.choices if c[0] != DeadlineState.OPEN],
    )
    kind = forms.ChoiceField(
        label=_("種類"), required=False, choices=[("", _("すべて"))] + list(DeadlineKind.choices)
    )
    scope = forms.ChoiceField(
        label=_("担当"),
        required=False,
        choices=[("", _("見られるものすべて")), ("mine", _("自分の担当")), ("team", _("係"))],
    )
    overdue = forms.BooleanField(label=_("期限超過のみ"), required=False)


class DismissForm(Form):
    reason = forms.CharField(
        label=_("取り下げる理由"),
        max_length=500,
        error_messages={"required": _("取り下げる理由を入力してください。")},
    )


class AcknowledgeForm(Form):
    confirm = forms.BooleanField(
        widget=forms.HiddenInput,
        error_messages={"required": _("画面を読み込み直してから、もう一度操作してください。")},
    )


class HandbookForm(Form):
    number = forms.CharField(
        label=_("手帳番号"),
        max_length=40,
        error_messages={"required": _("手帳番号を入力してください。")},
    )
    degree = forms.TypedChoiceField(
        label=_("程度"),
        coerce=int,
        choices=[("", _("選んでください")), *HandbookDegree.choices],
        error_messages={"required": _("程度を選んでください。")},
    )
    issued_on = DayField(label=_("交付日"), not_future=True)


class JudgmentForm(Form):
    judged_on = DayField(label=_("判定日"), not_future=True)
    degree = forms.TypedChoiceField(
        label=_("判定した程度"),
        coerce=int,
        choices=[("", _("選んでください")), *HandbookDegree.choices],
        error_messages={"required": _("判定した程度を選んでください。")},
    )
    notes = forms.CharField(
        label=_("所見"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class HandbookChangeForm(Form):
    noticed_on = DayField(label=_("変化に気付いた日"), not_future=True)
    note = forms.CharField(
        label=_("変化の内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("どのような変化かを入力してください。")},
    )


class ReferralForm(Form):
    referred_on = DayField(label=_("引継ぎ日"), not_future=True)
    note = forms.CharField(
        label=_("引継ぎの内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- two-factor sign-in ------------------------------------------------------------------------


def one_time_code(help_text, *, inputmode: str) -> forms.CharField:
    """The second factor's code field (sign-in and enrolment)."""
    return forms.CharField(
        label=_("確認コード"),
        help_text=help_text,
        error_messages={"required": _("確認コードを入力してください。")},
        validators=[
            MaxLengthValidator(32, _("確認コードが長すぎます。6桁の数字を入力してください。"))
        ],
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": inputmode, "class": "w-short"}
        ),
    )


class SecondFactorForm(Form):
    """The code after the password: the authenticator app's six digits, or a backup code."""

    code = one_time_code(
        _(
            "認証アプリに表示されている6桁の数字を入力してください。"
            "スマートフォンが手元にないときは、予備コード（例：abcde-fghjk）を1つ入力できます。"
        ),
        inputmode="text",  # a backup code has letters
    )


class EnrolForm(Form):
    code = one_time_code(
        _("登録した認証アプリに表示されている6桁の数字を入力してください。"), inputmode="numeric"
    )


class TwoFactorResetForm(Form):
    reason = forms.CharField(
        label=_("リセットの理由"),
        help_text=_("例：スマートフォンを紛失したため（本人から電話で依頼、所属長確認済み）"),
        error_messages={"required": _("リセットの理由を入力してください。")},
        validators=[MaxLengthValidator(500, _("理由は500文字以内で入力してください。"))],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason or "\x00" in reason:
            raise forms.ValidationError(_("リセットの理由を入力してください。"))
        return reason


# --- 意見聴取等措置 (DOMAIN §11) ----------------------------------------------------------------

VIEWS_HELP = _(
    "決定の前に、子どもの年齢や発達に合った方法で意見・意向を聴きます（児童福祉法33条の3の3）。"
    "緊急などで事前に聴けなかった場合は、その理由を記録し、決定後速やかに聴取します。"
)


def hearer_field(*, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("聴取した職員"),
        required=required,
        queryset=User.objects.none(),
        empty_label=_("選んでください"),
        error_messages={"invalid_choice": _("一覧から聴取した職員を選んでください。")},
    )


def hearers():
    """Staff who hear children: case workers, supervisors, shelter and foster staff."""
    from casework.hearings import HEARD_BY_ROLES

    return (
        User.objects.filter(is_active=True, groups__name__in=[r.value for r in HEARD_BY_ROLES])
        .distinct()
        .order_by("username")
    )


def hearer_options() -> list[tuple[int, str]]:
    """The staff list read once for a page that shows several views forms (one query)."""
    return [(user.pk, str(user)) for user in hearers()]


def offer_hearers(field: forms.ModelChoiceField, options: list | None = None) -> None:
    """Validate against every hearer; with `options` (hearer_options()), render them without
    another query."""
    field.queryset = hearers()
    if options is not None:
        field.widget.choices = [("", field.empty_label), *options]


def _method_field(required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("聴取の方法"),
        required=required,
        choices=[("", _("選んでください")), *ViewsMethod.choices],
        help_text=_("年齢・発達に合った方法"),
        error_messages={"invalid_choice": _("一覧から聴取の方法を選んでください。")},
    )


def _views_text(label, help_text="", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


ADVOCATE_OFFERED = _("意見表明等支援員（アドボケイト）を案内した")
ADVOCATE_USED = _("意見表明等支援員の支援を受けて意見を述べた")
CHILD_VIEWS = _("子どもが話したこと（意見・意向）")


class ViewsSection(Form):
    """The views section of every placement decision form (一時保護, 里親委託, 委託の終了): heard
    before the decision, or not possible first and why. The service checks it again."""

    views_timing = forms.ChoiceField(
        label=_("子どもの意見聴取"),
        choices=ViewsTiming.choices,
        widget=forms.RadioSelect,
        help_text=VIEWS_HELP,
        error_messages={
            "required": _("意見を決定の前に聴取したか、事前に聴取できなかったかを選んでください。")
        },
    )
    views_heard_on = DayField(label=_("聴取日"), required=False)
    views_heard_by = hearer_field()
    views_method = _method_field()
    views_advocate_offered = forms.BooleanField(label=ADVOCATE_OFFERED, required=False)
    views_advocate_used = forms.BooleanField(label=ADVOCATE_USED, required=False)
    views_child_views = _views_text(
        CHILD_VIEWS, _("子どもの言葉のまま。話さなかった場合はその様子。")
    )
    views_deferral_kind = forms.ChoiceField(
        label=_("事前に聴取できなかった理由"),
        required=False,
        choices=[("", _("選んでください")), *ViewsDeferral.choices],
        error_messages={"invalid_choice": _("一覧から理由を選んでください。")},
    )
    views_deferral_reason = _views_text(_("事前に聴取できなかった事情"))

    BEFORE_FIELDS = (
        "views_heard_on",
        "views_heard_by",
        "views_method",
        "views_advocate_offered",
        "views_advocate_used",
        "views_child_views",
    )
    AFTER_FIELDS = ("views_deferral_kind", "views_deferral_reason")
    # False where only some outcomes of the form are placement decisions (a discharge to a
    # 施設): the form's clean() then says when the section is needed.
    views_required = True

    def __init__(self, *args, user=None, hearers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["views_timing"].required = self.views_required
        offer_hearers(self.fields["views_heard_by"], hearers)
        if user is not None and not self.is_bound:
            self.fields["views_heard_by"].initial = user.pk
        for name in ("views_heard_on", "views_heard_by", "views_method", "views_child_views"):
            self.fields[name].required_when = _("事前に聴取したとき必須")
        for name in self.AFTER_FIELDS:
            self.fields[name].required_when = _("事前に聴取できなかったとき必須")

    def main_fields(self) -> list:
        return [f for f in self.visible_fields() if not f.name.startswith("views_")]

    def before_fields(self) -> list:
        return [self[name] for name in self.BEFORE_FIELDS]

    def after_fields(self) -> list:
        return [self[name] for name in self.AFTER_FIELDS]

    def clean(self) -> dict:
        data = super().clean()
        timing = data.get("views_timing")
        if timing == "before":
            needed = {
                "views_heard_on": _("聴取日を入力してください。"),
                "views_heard_by": _("聴取した職員を選んでください。"),
                "views_method": _("聴取の方法を選んでください。"),
                "views_child_views": _("子どもが話したこと（意見・意向）を入力してください。"),
            }
        elif timing == "after":
            needed = {
                "views_deferral_kind": _("事前に聴取できなかった理由を選んでください。"),
                "views_deferral_reason": _("事前に聴取できなかった事情を入力してください。"),
            }
        else:
            needed = {}
        for name, message in needed.items():
            if name not in self.errors and not data.get(name):
                self.add_error(name, message)
        if data.get("views_advocate_used") and not data.get("views_advocate_offered"):
            self.add_error(
                "views_advocate_offered",
                _("支援員の支援を受けた場合は、支援員を案内したことにもチェックを入れてください。"),
            )
        return data

    def views_input(self):
        """The section as the deciding service takes it (None when left empty)."""
        from casework.hearings import ViewsInput

        data = self.cleaned_data
        if not data.get("views_timing"):
            return None
        return ViewsInput(
            timing=data.get("views_timing", ""),
            heard_on=data.get("views_heard_on"),
            heard_by=data.get("views_heard_by"),
            method=data.get("views_method") or "",
            advocate_offered=bool(data.get("views_advocate_offered")),
            advocate_used=bool(data.get("views_advocate_used")),
            child_views=data.get("views_child_views") or "",
            deferral_kind=data.get("views_deferral_kind") or "",
            deferral_reason=data.get("views_deferral_reason") or "",
        )

    def decision_data(self) -> dict:
        """The rest of the form: the decision's own fields."""
        return {k: v for k, v in self.cleaned_data.items() if not k.startswith("views_")}


class ViewsAfterwardsForm(Form):
    """The views heard after the decision (meets the VIEWS_AFTERWARDS deadline)."""

    heard_on = DayField(label=_("聴取日"), not_future=True)
    heard_by = hearer_field(required=True)
    method = _method_field(required=True)
    advocate_offered = forms.BooleanField(label=ADVOCATE_OFFERED, required=False)
    advocate_used = forms.BooleanField(label=ADVOCATE_USED, required=False)
    child_views = _views_text(
        CHILD_VIEWS, _("子どもの言葉のまま。話さなかった場合はその様子。"), required=True
    )

    def __init__(self, *args, user=None, hearers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offer_hearers(self.fields["heard_by"], hearers)
        if user is not None and not self.is_bound:
            self.fields["heard_by"].initial = user.pk
            self.fields["heard_on"].initial = timezone.localdate()

    def clean(self) -> dict:
        data = super().clean()
        if data.get("advocate_used") and not data.get("advocate_offered"):
            self.add_error(
                "advocate_offered",
                _("支援員の支援を受けた場合は、支援員を案内したことにもチェックを入れてください。"),
            )
        return data


class ViewsFeedbackForm(Form):
    """How the decision and its reasons were explained to the child."""

    feedback_on = DayField(label=_("説明した日"), not_future=True)
    feedback = _views_text(
        _("決定と理由をどのように説明したか"),
        _("誰が、どの言葉・方法で説明し、子どもがどう受け止めたか"),
        required=True,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["feedback_on"].initial = timezone.localdate()
