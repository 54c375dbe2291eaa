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
        opened_on=opened_on or date(2026, 6, 1),
        summary="近隣から泣き声の通報",
    )


def bulk_cases(n: int, *, team, lead, start_seq: int = 1000) -> list:
    """Many cases at once (no history), with the lead's object permissions, for scale tests."""
    from django.contrib.auth.models import Permission

    from casework.models import Case, CaseUserObjectPermission, CaseWorker

    children = Child.objects.bulk_create(
        [
            Child(
                family_name="佐藤",
                given_name=f"花子{i}",
                family_name_kana="さとう",
                given_name_kana=f"はなこ{i}",
                birth_date=date(2012, 1, 1 + i % 28),
                sex=Sex.FEMALE,
                town="高輪",
                name_index=f"bulk{start_seq + i}",
            )
            for i in range(n)
        ]
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                fiscal_year=2026,
                seq=start_seq + i,
                child=child,
                team=team,
                lead=lead,
                category=Category.ABUSE,
                opened_on=date(2026, 5, 1),
                summary="概要",
            )
            for i, child in enumerate(children)
        ]
    )
    perms = Permission.objects.filter(
        codename__in=["view_case", "change_case"], content_type__app_label="casework"
    )
    CaseUserObjectPermission.objects.bulk_create(
        [
            CaseUserObjectPermission(user=lead, permission=p, content_object=c)
            for c in cases
            for p in perms
        ]
    )
    CaseWorker.objects.bulk_create(
        [CaseWorker(case=c, user=lead, role="welfare", is_lead=True) for c in cases]
    )
    return cases


def bulk_notes(case, n: int, *, author) -> None:
    from django.utils import timezone

    from casework.models import CaseNote

    CaseNote.objects.bulk_create(
        [
            CaseNote(
                case=case,
                kind="phone",
                occurred_at=timezone.now(),
                author=author,
                body=f"電話連絡 {i}",
            )
            for i in range(n)
        ]
    )


def decide_and_admit(*, actor, case, started_on, grounds=None, kind=None, decider=None, **kw):
    """A protection decision on the case file (by its lead), then the admission by `actor`
    (of the case's pending decision, if an earlier admission of it was refused)."""
    from shelter import services
    from shelter.choices import Grounds, StayKind
    from shelter.models import ProtectionDecision

    today = kw.get("today") or timezone_today()
    if kw.get("bed") is not None:
        # A test that names the bed places the child there whatever the room's marking; the
        # reason the service asks for then is recorded (tests of the rule pass their own).
        kw.setdefault("mismatch_reason", "テストで指定したベッド")
    decided_on = min(started_on, today)
    if decided_on < case.opened_on:
        decided_on = case.opened_on
    waiting = ProtectionDecision.objects.pending().filter(case=case).first()
    if waiting is not None:  # an earlier admission of this decision was refused (満床…)
        return services.stay_admit(actor=actor, decision=waiting, started_on=started_on, **kw)
    decision = services.protection_decide(
        actor=decider or case.lead,
        case=case,
        decided_on=decided_on,
        grounds=grounds or Grounds.ABUSE,
        kind=kind or StayKind.SHELTER,
        views=views_before(decider or case.lead, decided_on),
        today=max(today, decided_on),
    )
    return services.stay_admit(actor=actor, decision=decision, started_on=started_on, **kw)


def views_before(worker, heard_on, **kw):
    """The child's views heard before a decision (意見聴取, DOMAIN §11)."""
    from casework.hearings import ViewsInput

    return ViewsInput(
        timing="before",
        heard_on=heard_on,
        heard_by=worker,
        method=kw.pop("method", "interview"),
        child_views=kw.pop("child_views", "家に帰るのはこわい。学校には行きたい。"),
        **kw,
    )


def views_after(reason_kind: str = "urgent", reason: str = "夜間の緊急保護で聴取の時間がなかった"):
    """Views that could not be heard before the decision, and why."""
    from casework.hearings import ViewsInput

    return ViewsInput(timing="after", deferral_kind=reason_kind, deferral_reason=reason)


def timezone_today():
    from django.utils import timezone

    return timezone.localdate()


def _today(kw):
    return kw.get("today") or timezone_today()


def decide_protection(**kw):
    """shelter.services.protection_decide with the child's views heard before the decision
    (by the deciding worker, on the decision day) unless the test passes its own `views`."""
    from shelter import services

    kw.setdefault("views", views_before(kw["actor"], kw["decided_on"]))
    return services.protection_decide(**kw)


def propose_placement(**kw):
    """foster.services.placement_propose with the child's views heard before it (today)."""
    from foster import services

    kw.setdefault("views", views_before(kw["actor"], _today(kw)))
    return services.placement_propose(**kw)


def end_placement(**kw):
    """foster.services.placement_end with the child's views heard before it (on the end day)."""
    from foster import services

    kw.setdefault("views", views_before(kw["actor"], kw["ended_on"]))
    return services.placement_end(**kw)


def views_post(prefix: str, worker, heard_on, **overrides) -> dict:
    """A decision form's 意見聴取 section, posted: heard before the decision by `worker`."""
    data = {
        "views_timing": "before",
        "views_heard_on": heard_on.isoformat() if hasattr(heard_on, "isoformat") else heard_on,
        "views_heard_by": worker.pk,
        "views_method": "interview",
        "views_child_views": "おうちに帰りたくない。",
    }
    data.update(overrides)
    return {f"{prefix}-{name}": value for name, value in data.items()}
