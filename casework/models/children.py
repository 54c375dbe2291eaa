"""Children and their households. Identity and narratives are encrypted at rest."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework import rules
from casework.choices import TOWN_CHOICES, Relationship, Sex
from casework.crypto import blind_index
from casework.fields import BlindIndexField, EncryptedCharField, EncryptedTextField, RowBound
from casework.kana import fold_kana
from casework.models.scoping import Scoped, ScopedQuerySet, any_of
from casework.registry import child_rule_contributions
from casework.wareki import FIRST_DAY, LAST_DAY


def child_name_index(family_kana: str, given_kana: str, birth_date) -> str:
    """Blind index over normalised kana name + date of birth (PRODUCT §3)."""
    return blind_index(f"{family_kana}{given_kana}", birth_date.isoformat())


def kana_index(part: str, kana: str) -> str:
    """Blind index of one name part (`part`: family, given or full), over its folded kana: a
    search by surname alone, given name alone or the whole name, variants alike (issue 12)."""
    return blind_index(f"kana-{part}", fold_kana(kana))


def kana_indexes(family_kana: str, given_kana: str) -> dict[str, str]:
    return {
        "kana_family_index": kana_index("family", family_kana),
        "kana_given_index": kana_index("given", given_kana),
        "kana_full_index": kana_index("full", f"{family_kana}{given_kana}"),
    }


class ChildQuerySet(ScopedQuerySet):
    """Rules for children. What a user sees of a child depends on why the child is theirs:

    - full: identity, address, school, household and the cases they may open — through a case
      they may see, or (intake) a child their team registered;
    - care: what daily care in the shelter needs — name, age, sex, allergies, school;
    - view: at least the identity (name, kana, birth date, sex, district);
    - change: identity and household — those who may change one of the child's open cases.

    Other apps add their reasons through `casework.registry.register_child_rule` (casework
    never imports them)."""

    actions = ("view", "full", "care", "change")

    def _cases(self, user, action: str) -> Q:
        cases = self.model._meta.get_field("cases").related_model._default_manager
        scoped = cases.restrict(user, action)
        if action == "change":
            scoped = scoped.open()
        return Q(Exists(scoped.filter(child_id=OuterRef("pk"))))

    def rule(self, user, action: str) -> Q:
        if action == "change":
            return self._cases(user, "change")
        if action == "full":
            return any_of([self._cases(user, "view"), *child_rule_contributions(user, "full")])
        if action == "care":
            return any_of(child_rule_contributions(user, "care"))
        extra = [q for a in ("view", "full", "care") for q in child_rule_contributions(user, a)]
        return any_of([self._cases(user, "view"), *extra])


class Child(Scoped, RowBound, models.Model):
    family_name = EncryptedCharField(_("氏"), max_length=40)
    given_name = EncryptedCharField(_("名"), max_length=40)
    family_name_kana = EncryptedCharField(_("氏（ふりがな）"), max_length=60)
    given_name_kana = EncryptedCharField(_("名（ふりがな）"), max_length=60)
    birth_date = models.DateField(_("生年月日"), db_index=True)
    sex = models.CharField(_("性別"), max_length=1, choices=Sex.choices)
    town = models.CharField(_("町名"), max_length=20, choices=TOWN_CHOICES, db_index=True)
    address = EncryptedCharField(_("住所（番地以下）"), max_length=200, blank=True)
    school = EncryptedCharField(_("学校・園"), max_length=100, blank=True)
    allergies = EncryptedTextField(_("アレルギー・医療上の注意"), blank=True)
    name_index = BlindIndexField(_("氏名かな検索索引"))
    kana_family_index = BlindIndexField(_("氏かな検索索引"))
    kana_given_index = BlindIndexField(_("名かな検索索引"))
    kana_full_index = BlindIndexField(_("氏名かな（続け書き）検索索引"))
    change_note = EncryptedTextField(_("修正の理由"), blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    history = HistoricalRecords()

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("児童")
        verbose_name_plural = _("児童")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        self.name_index = child_name_index(
            self.family_name_kana, self.given_name_kana, self.birth_date
        )
        for name, value in kana_indexes(self.family_name_kana, self.given_name_kana).items():
            setattr(self, name, value)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}"

    @property
    def district(self) -> str:
        return rules.district_for_town(self.town)

    def age_on(self, day) -> int:
        return rules.age_on(self.birth_date, day)


class HouseholdMember(RowBound, models.Model):
    """A guardian or another member of the child's household."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="household")
    name = EncryptedCharField(_("氏名"), max_length=80)
    name_kana = EncryptedCharField(_("ふりがな"), max_length=120, blank=True)
    relationship = models.CharField(_("続柄"), max_length=20, choices=Relationship.choices)
    is_guardian = models.BooleanField(_("保護者"), default=False)
    has_parental_authority = models.BooleanField(_("親権者"), default=False)
    lives_with_child = models.BooleanField(_("同居"), default=True)
    birth_year = models.PositiveSmallIntegerField(
        _("生年（西暦）"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(FIRST_DAY.year, _("生年は1873年以降を入力してください。")),
            MaxValueValidator(LAST_DAY.year, _("生年は2100年以前を入力してください。")),
        ],
    )
    phone = EncryptedCharField(_("電話番号"), max_length=40, blank=True)
    address = EncryptedCharField(_("住所（別居の場合）"), max_length=200, blank=True)
    notes = EncryptedTextField(_("備考"), blank=True)
    active = models.BooleanField(_("現在の世帯員"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("世帯員")
        verbose_name_plural = _("世帯員")
        ordering = ["-is_guardian", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True)
                | models.Q(birth_year__gte=FIRST_DAY.year, birth_year__lte=LAST_DAY.year),
                name="household_birth_year_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_relationship_display()} {self.name}"
