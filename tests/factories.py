"""factory-boy factories for the records every test builds on."""

from __future__ import annotations

from datetime import date

import factory
from django.contrib.auth.models import Group

from casework.choices import Category, Sex
from casework.models import Child, Membership, Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"相談第{n + 1}係")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"職員 {n}")
    password = factory.django.Password("pass-for-tests-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get(name=role))
        self._role_cache = None


def member_of(user: User, team: Team, *, supervisor: bool = False) -> User:
    Membership.objects.get_or_create(team=team, user=user, defaults={"is_supervisor": supervisor})
    return user


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    family_name = "山田"
    given_name = factory.Sequence(lambda n: f"太郎{n}")
    family_name_kana = "やまだ"
    given_name_kana = factory.Sequence(lambda n: f"たろう{n}")
    birth_date = date(2015, 6, 1)
    sex = Sex.MALE
    town = "芝浦"
    address = "4-1-1"
    school = "港区立芝浦小学校"
    allergies = "卵"


def open_case(*, actor, child=None, team, lead, category=Category.ABUSE, opened_on=None):
    """Open a case through the service (grants the lead's object permissions)."""
    from casework.services import case_open

    return case_open(
        actor=actor,
        child=child or ChildFactory(),
        team=team,
        lead=lead,
        category=category,
        opened_on=opened_on or date(2026, 11, 2),
        summary="近隣から泣き声の通報",
    )
