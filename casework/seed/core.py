"""Demo staff and teams (PRODUCT §5): one user per role, and as many teams and workers as the
number of cases needs (about one worker per 60 open cases, eight workers to a team)."""

from __future__ import annotations

import math

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from casework.choices import Profession, Role
from casework.models import Membership, Team, User
from casework.seed import names

TEAM_1, TEAM_2 = "相談第一係", "相談第二係"  # team_name(1), team_name(2)

# username, display name, roles, profession, team, is_supervisor
DEMO_USERS = [
    ("intake1", "受付 一郎", [Role.INTAKE], Profession.CLERK, TEAM_1, False),
    ("caseworker1", "福祉 花子", [Role.CASEWORKER], Profession.WELFARE, TEAM_1, False),
    ("caseworker2", "心理 次郎", [Role.CASEWORKER], Profession.PSYCHOLOGIST, TEAM_2, False),
    ("supervisor1", "統括 三郎", [Role.SUPERVISOR], Profession.WELFARE, TEAM_1, True),
    ("shelter1", "保護所 四季", [Role.SHELTER], Profession.CARE, None, False),
    ("foster1", "里親 五月", [Role.FOSTER], Profession.WELFARE, None, False),
    ("auditor1", "監査 六花", [Role.AUDITOR], Profession.CLERK, None, False),
    ("admin1", "管理 七海", [Role.ADMIN], Profession.CLERK, None, False),
]
# Colleagues who hold cases in the demo but cannot log in (no usable password).
EXTRA_STAFF = [
    ("staff_aoki", "青木 孝", Profession.WELFARE, TEAM_1),
    ("staff_ueda", "上田 涼子", Profession.WELFARE, TEAM_1),
    ("staff_okada", "岡田 学", Profession.PSYCHOLOGIST, TEAM_1),
    ("staff_kudo", "工藤 由美", Profession.WELFARE, TEAM_2),
    ("staff_sakai", "酒井 亮", Profession.WELFARE, TEAM_2),
    ("staff_noda", "野田 薫", Profession.NURSE, TEAM_2),
]


OPEN_PER_WORKER = 60  # a worker's open caseload in a centre that copes (issue 13)
WORKERS_PER_TEAM = 8
KANJI_DIGITS = "〇一二三四五六七八九"


def open_cases_for(total: int) -> int:
    """How many of `total` cases are open: a small demo shows every status; a big one is a
    centre in its tenth year, where most cases are closed (about a year's intake is open)."""
    return min(round(total * 0.7), 1000 + total // 10)


def workers_for(total: int) -> int:
    """Caseworkers a centre with `total` cases has: one per 60 open cases, at least six."""
    return max(len(EXTRA_STAFF), math.ceil(open_cases_for(total) / OPEN_PER_WORKER))


def kanji_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (team names: 相談第二十三係)."""
    tens, ones = divmod(n, 10)
    text = ("" if tens < 2 else KANJI_DIGITS[tens]) + ("十" if tens else "")
    return text + (KANJI_DIGITS[ones] if ones else "")


def team_name(k: int) -> str:
    return f"相談第{kanji_number(k)}係"


@transaction.atomic
def seed_more_staff(total_cases: int, caseworker: Group, supervisor: Group) -> dict[str, User]:
    """Teams 3, 4, … with a supervisor each, and workers in every team, until there are enough
    for `total_cases` (idempotent: existing usernames are kept). Staff who hold cases but cannot
    log in (no usable password)."""
    wanted = workers_for(total_cases)
    teams = max(2, math.ceil(wanted / WORKERS_PER_TEAM))
    users: dict[str, User] = {}
    for k in range(1, teams + 1):
        team, _ = Team.objects.get_or_create(name=team_name(k))
        if k > 2:
            boss = _staff_user(f"sv_{k:02}", k, 0, supervisor)
            Membership.objects.get_or_create(team=team, user=boss, defaults={"is_supervisor": True})
            users[boss.username] = boss
        have = Membership.objects.filter(team=team, is_supervisor=False, user__groups=caseworker)
        for i in range(have.count(), -(-wanted // teams)):
            worker = _staff_user(f"staff_{k:02}_{i + 1:02}", k, i + 1, caseworker)
            Membership.objects.get_or_create(team=team, user=worker)
            users[worker.username] = worker
    return users


def _staff_user(username: str, team: int, i: int, group: Group) -> User:
    family = names.FAMILY[(team * 7 + i) % len(names.FAMILY)][0]
    given = (names.ADULT_F + names.ADULT_M)[(team + i) % 8][0]
    profession = Profession.PSYCHOLOGIST if i % 4 == 3 else Profession.WELFARE
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": f"{family} {given}", "profession": profession}
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(group)
    return user


def seed_staff(password: str, total_cases: int = 0) -> dict[str, User]:
    """Idempotent: users, groups and memberships; demo passwords reset to `password`; teams
    and workers enough for `total_cases`."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in (TEAM_1, TEAM_2)}
    users: dict[str, User] = {}
    hashed = make_password(password)  # one hash (own salt) shared by the demo users: fast reruns
    for username, display, roles, profession, team, is_sup in DEMO_USERS:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"display_name": display, "profession": profession}
        )
        user.password = hashed
        user.is_staff = Role.ADMIN in roles
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        if team:
            Membership.objects.update_or_create(
                team=teams[team], user=user, defaults={"is_supervisor": is_sup}
            )
        users[username] = user
    # The demo has one supervisor: supervisor1 also supervises the second team.
    Membership.objects.update_or_create(
        team=teams[TEAM_2], user=users["supervisor1"], defaults={"is_supervisor": True}
    )
    caseworker = Group.objects.get(name=Role.CASEWORKER)
    for username, display, profession, team in EXTRA_STAFF:
        user, created = User.objects.get_or_create(
            username=username, defaults={"display_name": display, "profession": profession}
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(caseworker)
        Membership.objects.get_or_create(team=teams[team], user=user)
        users[username] = user
    supervisor = Group.objects.get(name=Role.SUPERVISOR)
    return users | seed_more_staff(total_cases, caseworker, supervisor)
