"""Demo data for the foster programme (issue 10 §7): applicants at every stage, withdrawn and
declined ones (one reopened), a council session, homes of each type — some expiring soon —
and current, proposed and ended placements. Through the services, with foster1 (and the cases'
own workers) as the actors, so history and the audit chain are recorded as in use. Idempotent:
nothing is added once applicants exist."""

from __future__ import annotations

from datetime import date, timedelta

from casework.models import Case
from casework.seed.views import demo_views
from foster import services
from foster.choices import Course, FosterType, Stage, StepOutcome
from foster.models import Applicant, CouncilSession, Home

TOWNS = ["白金", "高輪", "芝浦", "南青山", "麻布十番", "港南", "三田4丁目", "台場"]
NAMES = [
    ("青木 健一・美穂", "あおき けんいち・みほ"),
    ("石川 直樹・由美", "いしかわ なおき・ゆみ"),
    ("上田 修・加奈子", "うえだ おさむ・かなこ"),
    ("遠藤 誠・智子", "えんどう まこと・ともこ"),
    ("大野 学・恵", "おおの まなぶ・めぐみ"),
    ("岡田 隆・幸子", "おかだ たかし・さちこ"),
    ("金子 浩・真理", "かねこ ひろし・まり"),
    ("木村 大輔・彩", "きむら だいすけ・あや"),
    ("小山 拓也・舞", "こやま たくや・まい"),
    ("斉藤 剛・綾乃", "さいとう つよし・あやの"),
    ("清水 和也・瞳", "しみず かずや・ひとみ"),
    ("高木 秀樹・陽子", "たかぎ ひでき・ようこ"),
    ("中島 悟・理恵", "なかじま さとる・りえ"),
    ("西村 亮・千尋", "にしむら りょう・ちひろ"),
]


def _apply(actor, index: int, foster_type: str, opened_on: date) -> Applicant:
    name, kana = NAMES[index % len(NAMES)]
    data = services.ApplicantData(
        name=name,
        name_kana=kana,
        phone=f"03-5{index:03d}-{1000 + index:04d}",
        email=f"family{index}@example.jp",
        address=f"{1 + index % 5}-{2 + index % 7}-{3 + index}",
        town=TOWNS[index % len(TOWNS)],
        foster_type=foster_type,
        heard_from=["leaflet", "website", "event", "acquaintance", "agency"][index % 5],
        worker=actor,
        opened_on=opened_on,
    )
    return services.applicant_create(actor=actor, data=data, today=opened_on)


def _take(actor, applicant: Applicant, upto: int, end: date, session=None, capacity=None):
    """Record the stages up to `upto`, the last on `end`, each 20 days after the one before."""
    for stage in range(applicant.stage + 1, upto + 1):
        on = end - timedelta(days=20 * (upto - stage))
        kw: dict = {}
        if stage == Stage.TRAINING:
            for course in (Course.BASIC, Course.PRE_REGISTRATION):
                services.training_record(
                    actor=actor, applicant=applicant, course=course, attended_on=on, today=on
                )
        if stage == Stage.HOME_STUDY:
            services.study_visit_add(
                actor=actor,
                applicant=applicant,
                visited_on=on,
                findings="居室・生活環境を確認。夫婦で養育の意向が一致している。",
                today=on,
            )
        if stage == Stage.COUNCIL:
            session = session or CouncilSession.objects.filter(held_on=on).first()
            session = session or services.council_session_create(
                actor=actor, held_on=on, title="港区児童福祉審議会 里親認定部会"
            )
            kw = {"session": session, "outcome": StepOutcome.APPROVED}
        if stage == Stage.CERTIFICATION:
            kw = {"capacity": capacity}
        services.step_record(
            actor=actor, applicant=applicant, stage=stage, done_on=on, today=on, **kw
        )
    return applicant


def _home(actor, index: int, foster_type: str, registered: date, capacity=None) -> Home:
    applicant = _apply(actor, index, foster_type, registered - timedelta(days=140))
    _take(actor, applicant, Stage.CERTIFICATION, registered, capacity=capacity)
    return Home.objects.get(applicant=applicant)


def _placeable_cases(n: int) -> list[Case]:
    """Open cases whose child has no stay and no placement (the shelter's demo children are
    left alone)."""
    return list(
        Case.objects.open()
        .filter(child__stays__isnull=True, child__placements__isnull=True)
        .select_related("lead", "child")
        .order_by("opened_on", "pk")[:n]
    )


def seed_foster(context: dict) -> str:
    if Applicant.objects.exists():
        return f"里親: 既存の申込み {Applicant.objects.count()} 件（追加なし）"
    today: date = context["today"]
    actor = context["users"]["foster1"]
    # Applications in progress, one at each stage (0 = just received).
    session = services.council_session_create(
        actor=actor, held_on=today - timedelta(days=20), title="港区児童福祉審議会 里親認定部会"
    )
    for stage in range(0, 6):
        applicant = _apply(actor, stage, FosterType.NURTURING, today - timedelta(days=200))
        if stage:
            _take(
                actor,
                applicant,
                stage,
                today - timedelta(days=20 if stage == 5 else 5),
                session=session,
            )
    # Withdrawn at training; declined by the council (same session); a withdrawal reopened.
    withdrawn = _apply(actor, 6, FosterType.NURTURING, today - timedelta(days=300))
    _take(actor, withdrawn, Stage.EXPLANATION, today - timedelta(days=280))
    services.applicant_close(
        actor=actor,
        applicant=withdrawn,
        status="withdrawn",
        closed_on=today - timedelta(days=250),
        reason="仕事の都合で研修を受けられないため辞退。",
    )
    services.applicant_reopen(actor=actor, previous=withdrawn, opened_on=today - timedelta(days=30))
    declined = _apply(actor, 7, FosterType.SPECIALIST, today - timedelta(days=200))
    _take(actor, declined, Stage.HOME_STUDY, today - timedelta(days=40))
    services.step_record(
        actor=actor,
        applicant=declined,
        stage=Stage.COUNCIL,
        session=session,
        outcome=StepOutcome.NOT_APPROVED,
        notes="養育環境について再度の確認が必要と判断された。",
        today=today,
    )
    # Homes of each type; two expire within six months.
    homes = [
        _home(actor, 8, FosterType.NURTURING, today - timedelta(days=400)),
        _home(actor, 9, FosterType.NURTURING, today - timedelta(days=5 * 365 - 60)),  # soon
        _home(actor, 10, FosterType.SPECIALIST, today - timedelta(days=2 * 365 - 90)),  # soon
        _home(actor, 11, FosterType.ADOPTIVE, today - timedelta(days=200), capacity=1),
        _home(actor, 12, FosterType.KINSHIP, today - timedelta(days=100), capacity=2),
    ]
    # Placements: three current, one ended, one proposal waiting for the foster team.
    cases = _placeable_cases(5)
    placed = 0
    for case, home, days in zip(
        cases,
        [homes[0], homes[0], homes[2], homes[1], homes[4]],
        [120, 60, 30, 200, 0],
        strict=False,
    ):
        start = max(today - timedelta(days=days), case.opened_on)
        proposal = services.placement_propose(
            actor=case.lead,
            case=case,
            home=home,
            planned_start=start,
            needs="登下校の見守り。実親との面会は児童相談所で調整。",
            views=demo_views(case, today, days),
            today=today,
        )
        if days == 0:
            continue  # left for the foster team to confirm
        placement = services.placement_confirm(
            actor=actor, placement=proposal, started_on=start, today=today
        )
        placed += 1
        if days == 200:
            services.placement_end(
                actor=actor,
                placement=placement,
                ended_on=min(start + timedelta(days=150), today),
                end_kind="home",
                reason="家庭環境が整い、家庭復帰。",
                views=demo_views(case, min(start + timedelta(days=150), today), days + 1),
                today=today,
            )
    if homes[0].visits.count() == 0:
        services.home_visit_add(
            actor=actor,
            home=homes[0],
            visited_on=today - timedelta(days=7),
            seen="里母・委託児童",
            findings="生活リズムは安定。学校にも通えている。",
            today=today,
        )
    active = Applicant.objects.filter(status="active").count()
    return (
        f"里親: 申込み {Applicant.objects.count()} 件（手続き中 {active} 件）、"
        f"登録里親 {Home.objects.count()} 家庭、委託 {placed} 件（うち終了 1 件）と提案 1 件"
    )
