"""Demo data for the 要対協 register (issue 14 §1): the member agencies, the centre's team
(子ども家庭支援センター) with `network1` (and supervisor1 as its supervisor), ten register
entries of the three kinds — some due for review, one ended by a move — one held 実務者会議 with
its reviews and one planned for today with its agenda. Through the services, so history, the
ledger and the audit chain are recorded as in use. Idempotent: nothing is added once entries
exist."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import Group

from casework.choices import Profession, Role
from casework.models import Membership, Team, User
from network import rules, services
from network.choices import AgencyKind, EntryKind
from network.models import Agency, AgendaItem, Entry

CENTRE_TEAM = "子ども家庭支援センター"
AGENCIES = [
    ("港区立白金小学校", AgencyKind.SCHOOL),
    ("港区立高輪中学校", AgencyKind.SCHOOL),
    ("港区立芝浦保育園", AgencyKind.NURSERY),
    ("みなと保健所 健康推進課", AgencyKind.HEALTH),
    ("高輪警察署 生活安全課", AgencyKind.POLICE),
    ("港区民生委員・児童委員協議会", AgencyKind.VOLUNTEER),
    ("港区立みなと病院 小児科", AgencyKind.MEDICAL),
    ("港区児童相談所", AgencyKind.GUIDANCE),
    ("港区子ども家庭支援センター", AgencyKind.CENTRE),
]
CHILDREN = [
    # family, given, kana family, kana given, birth, sex, town, kind, reason
    (
        "森",
        "陽向",
        "もり",
        "ひなた",
        date(2016, 5, 3),
        "M",
        "白金",
        EntryKind.PROTECTION,
        "学校から不衛生・欠食の情報。ネグレクトの疑い。",
    ),
    (
        "林",
        "結衣",
        "はやし",
        "ゆい",
        date(2019, 9, 21),
        "F",
        "芝浦",
        EntryKind.SUPPORT,
        "保護者の育児負担が大きく、保育園から見守りの依頼。",
    ),
    (
        "池田",
        "湊",
        "いけだ",
        "みなと",
        date(2013, 1, 14),
        "M",
        "高輪",
        EntryKind.PROTECTION,
        "面前DVの通告。母子は区内で生活を継続。",
    ),
    (
        "坂本",
        "葵",
        "さかもと",
        "あおい",
        date(2021, 3, 8),
        "F",
        "港南",
        EntryKind.SUPPORT,
        "乳幼児健診未受診が続く。保健師の訪問で養育の困難を把握。",
    ),
    (
        "原",
        "蓮",
        "はら",
        "れん",
        date(2011, 11, 30),
        "M",
        "三田4丁目",
        EntryKind.PROTECTION,
        "不登校と家庭内の怒声。学校・民生委員から相談。",
    ),
    (
        "村上",
        "芽依",
        "むらかみ",
        "めい",
        date(2018, 7, 12),
        "F",
        "南青山",
        EntryKind.SUPPORT,
        "ひとり親家庭で就労が不安定。子育て支援の利用調整。",
    ),
    (
        "近藤",
        "樹",
        "こんどう",
        "いつき",
        date(2015, 2, 26),
        "M",
        "台場",
        EntryKind.PROTECTION,
        "夜間に子どもだけで過ごしている旨の近隣通報。",
    ),
    (
        "石井",
        "紬",
        "いしい",
        "つむぎ",
        date(2020, 10, 5),
        "F",
        "麻布十番",
        EntryKind.SUPPORT,
        "保護者の精神的な不調。医療機関と連携して見守り。",
    ),
]
MOTHERS = [
    ("松田 美咲", "まつだ みさき", "若年妊娠で支援者が少ない。妊婦健診の受診が不定期。"),
    ("小松 彩花", "こまつ あやか", "経済的困窮と住居の不安定。出産後の養育環境の調整が必要。"),
]


def _centre(context: dict) -> tuple[Team, User]:
    team, _created = Team.objects.get_or_create(name=CENTRE_TEAM)
    user, _created = User.objects.get_or_create(
        username="network1",
        defaults={"display_name": "支援 八重", "profession": Profession.WELFARE},
    )
    if context.get("password"):
        user.set_password(context["password"])
        user.save()
    user.groups.set(Group.objects.filter(name=Role.NETWORK))
    Membership.objects.get_or_create(team=team, user=user)
    boss = (
        context["users"].get("supervisor1") or User.objects.filter(username="supervisor1").first()
    )
    if boss is not None:
        Membership.objects.update_or_create(team=team, user=boss, defaults={"is_supervisor": True})
    user.forget_access()
    return team, user


def seed_network(context: dict) -> str:
    today: date = context["today"]
    team, worker = _centre(context)
    agencies = {
        name: Agency.objects.get_or_create(name=name, defaults={"kind": kind})[0]
        for name, kind in AGENCIES
    }
    if Entry.objects.exists():
        return f"要対協: 登録 {Entry.objects.count()} 件（既存）"
    names = list(agencies.values())
    held_on = today - timedelta(days=40)
    entries = []
    for i, (fam, giv, fk, gk, birth, sex, town, kind, reason) in enumerate(CHILDREN):
        registered = held_on - timedelta(days=30 + 11 * i)
        data = services.EntryData(
            kind=kind,
            lead_agency=names[i % 7],
            agencies=[names[(i + 3) % 7], agencies["港区子ども家庭支援センター"]],
            reason=reason,
            registered_on=registered,
            next_review_on=held_on if i < 5 else today + timedelta(days=10 * (i - 4)),
            worker=worker,
            team=team,
        )
        child = services.NewChild(fam, giv, fk, gk, birth, sex, town)
        entries.append(
            services.entry_create(actor=worker, data=data, new_child=child, today=registered)
        )
    for i, (name, kana, reason) in enumerate(MOTHERS):
        registered = today - timedelta(days=20 + 30 * i)
        data = services.EntryData(
            kind=EntryKind.PREGNANT,
            lead_agency=agencies["みなと保健所 健康推進課"],
            agencies=[agencies["港区立みなと病院 小児科"]],
            reason=reason,
            registered_on=registered,
            next_review_on=today,
            worker=worker,
            team=team,
            mother_name=name,
            mother_name_kana=kana,
            expected_month=rules.add_months(today, 3 + i).replace(day=1),
        )
        entries.append(services.entry_create(actor=worker, data=data, today=registered))
    held = services.session_create(
        actor=worker, team=team, held_on=held_on, title="実務者会議（定例）"
    )
    for item in AgendaItem.objects.filter(session=held).select_related("entry"):
        services.review_record(
            actor=worker,
            item=item,
            situation="関係機関の見守りを継続。登校・登園は安定している。",
            lead_agency=item.entry.lead_agency,
            policy="現在の見守り体制を継続し、変化があれば主担当機関から子ども家庭支援センターへ連絡する。",
            today=today,
        )
    services.session_hold(actor=worker, session=held, today=today)
    services.entry_end(
        actor=worker,
        entry=entries[5],
        end_kind="moved",
        ended_on=today - timedelta(days=5),
        reason="区外へ転居。",
        moved_to="川崎市",
        handover="転出先の要保護児童対策地域協議会調整機関へ、登録の経過と援助方針を文書で引継ぎ。",
        today=today,
    )
    services.session_create(actor=worker, team=team, held_on=today, title="実務者会議（定例）")
    return (
        f"要対協: 構成機関 {Agency.objects.count()} 機関、登録 {Entry.objects.count()} 件、"
        "実務者会議 2 回（開催済み 1、本日予定 1）、network1"
    )
