"""Demo staff and teams (PRODUCT §5): one user per role, two teams."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from casework.choices import Profession, Role
from casework.models import Membership, Team, User

TEAM_1, TEAM_2 = "相談第一係", "相談第二係"

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


def seed_staff(password: str) -> dict[str, User]:
    """Idempotent: users, groups and memberships; demo passwords reset to `password`."""
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
    return users
