"""Forms for intake pages. Labels and errors in Japanese; the rules themselves live in services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import Category
from casework.forms import (
    ChildForm,
    DayField,
    Form,
    MomentField,
    check_lead_in_team,
    leads_by_team,
)
from casework.models import Team, User
from casework.rules import fiscal_year_of
from casework.wareki import fiscal_year_label
from intake.choices import (
    DIRECT_METHODS,
    STEP_OUTCOMES,
    AbuseType,
    Agency,
    AttemptOutcome,
    Channel,
    ConsultationStatus,
    Outcome,
    SafetyMethod,
    StepOutcome,
    Urgency,
)
from intake.models import Route, queue_team_ids
from intake.selectors import category_choices, route_choices
from intake.services import ConsultationData, Reporter

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
BLANK = ("", _("選んでください"))


def _now_minute() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class ConsultationForm(Form):
    """Step 1 of the intake form: the consultation and the reporter (the child is separate)."""

    team = forms.ModelChoiceField(
        label=_("受付係"),
        queryset=Team.objects.none(),
        empty_label=None,
        error_messages={"required": _("受付した係を選んでください。")},
    )
    received_at = MomentField(
        label=_("受付日時"),
        help_text=_("電話・来所を受けた時刻。虐待通告では、この時刻から48時間の期限が始まります。"),
    )
    channel = forms.ChoiceField(
        label=_("受付方法"),
        choices=[BLANK, *Channel.choices],
        error_messages={"required": _("受付方法を選んでください。")},
    )
    route = forms.TypedChoiceField(
        label=_("経路"),
        coerce=int,
        help_text=_("誰からの相談・通告か（匿名の電話は「その他」）"),
        error_messages={"required": _("経路を選んでください。")},
    )
    category = forms.TypedChoiceField(
        label=_("相談種別"),
        coerce=int,
        error_messages={"required": _("相談種別を選んでください。")},
    )
    abuse_types = forms.MultipleChoiceField(
        label=_("虐待の種別"),
        required=False,
        choices=AbuseType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("児童虐待相談のとき。複数選べます。"),
    )
    act_date = DayField(
        label=_("行為の日"),
        required=False,
        help_text=_("触法行為等相談のとき（行為時14歳未満か確認します）"),
    )
    urgency = forms.ChoiceField(
        label=_("緊急度"), choices=Urgency.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(
        label=_("相談内容"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("相談・通告の内容を入力してください。")},
    )
    reporter_anonymous = forms.BooleanField(label=_("匿名（通告者が名乗らない）"), required=False)
    reporter_name = forms.CharField(label=_("通告者・相談者の氏名"), required=False, max_length=80)
    reporter_relation = forms.CharField(
        label=_("児童との関係"),
        required=False,
        max_length=60,
        help_text=_("例：近隣住民、母、担任"),
    )
    reporter_contact = forms.CharField(label=_("連絡先"), required=False, max_length=120)

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("received_at", _now_minute())
        kwargs["initial"].setdefault("urgency", "medium")
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(pk__in=queue_team_ids(user), active=True).order_by("name")
        self.fields["team"].queryset = teams
        self.fields["route"].choices = [BLANK, *route_choices()]
        self.fields["category"].choices = [BLANK, *category_choices()]
        # Required unless the reporter stays anonymous: badged so, not 任意.
        self.fields["reporter_name"].required_when = _("匿名でなければ必須")

    def clean_route(self) -> Route:
        try:
            return Route.objects.get(pk=self.cleaned_data["route"])
        except Route.DoesNotExist as exc:
            raise forms.ValidationError(_("経路を選んでください。")) from exc

    def to_data(self) -> ConsultationData:
        """The cleaned values; on a form with errors, None where a value could not be read."""
        data = self.cleaned_data
        return ConsultationData(
            team=data.get("team"),
            received_at=data.get("received_at"),
            channel=data.get("channel"),
            route=data.get("route"),
            category=data.get("category"),
            urgency=data.get("urgency"),
            summary=data.get("summary"),
            act_date=data.get("act_date"),
            abuse_types=data.get("abuse_types") or (),
            reporter=Reporter(
                anonymous=data.get("reporter_anonymous", False),
                name=data.get("reporter_name", ""),
                relation=data.get("reporter_relation", ""),
                contact=data.get("reporter_contact", ""),
            ),
        )


class NewChildForm(ChildForm):
    """A child entered with the consultation (the duplicate check runs before it is saved)."""

    reason = None  # a new record: no reason for a change

    class Meta(ChildForm.Meta):
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
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("sex", "town"):
            field = self.fields[name]
            field.choices = [BLANK, *[c for c in field.choices if c[0] != ""]]


class AcceptForm(Form):
    team = forms.ModelChoiceField(
        label=_("担当係"),
        queryset=Team.objects.none(),
        empty_label=None,
        error_messages={"required": _("ケースを担当する係を選んでください。")},
    )
    lead = forms.ModelChoiceField(
        label=_("主担当"),
        queryset=User.objects.none(),
        empty_label=_("選んでください"),
        error_messages={"required": _("主担当の職員を選んでください。")},
    )

    def __init__(self, *args, user: User, initial_team: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(pk__in=user.supervises(), active=True).order_by("name")
        self.fields["team"].queryset = teams
        self.fields["team"].initial = initial_team
        leads_by_team(self.fields["lead"], teams)

    def clean(self):
        data = super().clean()
        check_lead_in_team(self, "team", "lead")
        return data


class DeclineForm(Form):
    outcome = forms.ChoiceField(
        label=_("終了区分"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("終了区分を選んでください。")},
    )
    note = forms.CharField(
        label=_("理由・紹介先"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("他機関紹介のときは紹介先の機関名を必ず入力してください。"),
    )


class SafetyForm(Form):
    seen_at = MomentField(label=_("確認日時"))
    seen_by = forms.CharField(
        label=_("確認した人"),
        max_length=80,
        error_messages={"required": _("児童を確認した人の氏名を入力してください。")},
    )
    agency = forms.ChoiceField(
        label=_("確認した機関"), choices=Agency.choices, initial=Agency.CENTRE
    )
    agency_name = forms.CharField(
        label=_("協力機関名"),
        required=False,
        max_length=100,
        help_text=_("協力機関が確認したとき（例：港区子ども家庭支援センター）"),
    )
    place = forms.CharField(
        label=_("確認した場所"),
        max_length=200,
        error_messages={"required": _("児童を確認した場所を入力してください。")},
    )
    method = forms.ChoiceField(
        label=_("確認の方法"),
        choices=[
            (
                _("直接目視（48時間の期限が終わります）"),
                [(m.value, m.label) for m in SafetyMethod if m in DIRECT_METHODS],
            ),
            (
                _("接触の試み（記録は残りますが、期限は続きます）"),
                [(m.value, m.label) for m in SafetyMethod if m not in DIRECT_METHODS],
            ),
        ],
        help_text=_(
            "児童を直接目視したときだけ48時間の期限が終わります。電話・不在・関係機関からの情報も、"
            "対応の記録として残せます。"
        ),
    )
    attempt_outcome = forms.ChoiceField(  # not `outcome`: the decline form's field is
        label=_("結果"),
        choices=[BLANK, *AttemptOutcome.choices],
        error_messages={"required": _("結果（不在・拒否・目視できた）を選んでください。")},
        help_text=_(
            "不在・拒否で児童を確認できなかったときは、出頭要求・立入調査などの次の措置が"
            "提案されます。"
        ),
    )
    notes = forms.CharField(
        label=_("児童の様子・特記事項"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("seen_at", _now_minute())
        super().__init__(*args, **kwargs)


class QueueFilterForm(Form):
    status = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("", _("受付中")), ("all", _("すべて"))]
        + [c for c in ConsultationStatus.choices if c[0] != ConsultationStatus.OPEN],
    )
    category = forms.TypedChoiceField(
        label=_("相談種別"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("すべて"))] + list(Category.choices),
    )
    channel = forms.ChoiceField(
        label=_("受付方法"), required=False, choices=[("", _("すべて"))] + Channel.choices
    )
    received_from = DayField(label=_("受付日（から）"), required=False)
    received_to = DayField(label=_("受付日（まで）"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            raise forms.ValidationError(_("受付日の範囲が逆になっています。"))
        if not data.get("status"):
            data["status"] = ConsultationStatus.OPEN
        return data


class StatisticsForm(Form):
    """The fiscal year picked by its 和暦 name (令和7年度（2025年度）), not typed as a 西暦 year."""

    fiscal_year = forms.TypedChoiceField(
        label=_("年度"),
        coerce=int,
        choices=[],
        error_messages={
            "required": _("年度を選んでください。"),
            "invalid_choice": _("一覧にある年度を選んでください（平成12年度〜来年度）。"),
        },
    )
    format = forms.ChoiceField(
        required=False, choices=[("", "html"), ("csv", "csv"), ("xlsx", "xlsx")]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = fiscal_year_of(timezone.localdate())
        self.fields["fiscal_year"].choices = [
            (year, f"{fiscal_year_label(year)}（{year}年度）")
            for year in range(current + 1, 1999, -1)
        ]


class LegalStepForm(Form):
    """A legal step when the child cannot be seen (the kind comes from the button chosen)."""

    decided_on = DayField(
        label=_("決定日"), error_messages={"required": _("決定日を入力してください。")}
    )
    scheduled_at = MomentField(
        label=_("期日（日時）"),
        help_text=_(
            "出頭要求・再出頭要求は出頭の日時、立入調査・臨検・捜索は実施の日時、"
            "許可状請求・援助要請は請求・要請の日時。期限台帳に載ります。"
        ),
    )
    place = forms.CharField(
        label=_("場所"),
        max_length=200,
        help_text=_("出頭先、立入調査・臨検の場所（児童の住所）、請求先の裁判所、要請先の警察署"),
        error_messages={"required": _("場所を入力してください。")},
    )
    addressee = forms.CharField(
        label=_("相手方（保護者の氏名）"),
        max_length=80,
        error_messages={"required": _("相手方（保護者の氏名）を入力してください。")},
    )
    worker = forms.ModelChoiceField(
        label=_("担当職員"),
        queryset=User.objects.none(),
        error_messages={
            "required": _("担当職員を選んでください。"),
            "invalid_choice": _("一覧にある職員を選んでください。"),
        },
    )
    notes = forms.CharField(
        label=_("備考"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        leads_by_team(self.fields["worker"], [team])


class StepOutcomeForm(Form):
    """What came of a step: only the outcomes of its kind are offered."""

    outcome = forms.ChoiceField(
        label=_("結果"),
        choices=[],
        error_messages={
            "required": _("結果を選んでください。"),
            "invalid_choice": _("この措置の結果を一覧から選んでください。"),
        },
    )
    outcome_at = MomentField(label=_("結果の日時"))
    outcome_notes = forms.CharField(
        label=_("結果の詳細"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, kind: str, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("outcome_at", _now_minute())
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            BLANK,
            *[(o, StepOutcome(o).label) for o in STEP_OUTCOMES.get(kind, ())],
        ]
