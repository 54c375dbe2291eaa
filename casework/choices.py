"""Codes and labels shared across the apps (DOMAIN.md §1, §8; PRODUCT.md §2–§3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Django groups created by a data migration (PRODUCT §2)."""

    INTAKE = "intake", _("受付担当")
    CASEWORKER = "caseworker", _("担当福祉司・心理司")
    SUPERVISOR = "supervisor", _("スーパーバイザー")
    SHELTER = "shelter", _("一時保護所職員")
    FOSTER = "foster", _("里親担当")
    NETWORK = "network", _("子ども家庭支援センター職員")
    AUDITOR = "auditor", _("監査担当")
    ADMIN = "admin", _("システム管理者")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    OTHER = "X", _("その他・不明")


class ConsultationGroup(models.TextChoices):
    """The six groups of the national statistics (DOMAIN §1)."""

    YOGO = "yogo", _("養護相談")
    HOKEN = "hoken", _("保健相談")
    SHOGAI = "shogai", _("障害相談")
    HIKO = "hiko", _("非行相談")
    IKUSEI = "ikusei", _("育成相談")
    OTHER = "other", _("その他")


class Category(models.IntegerChoices):
    """The 16 consultation categories of 福祉行政報告例 (DOMAIN §1)."""

    ABUSE = 1, _("児童虐待相談")
    OTHER_YOGO = 2, _("その他の養護相談")
    HEALTH = 3, _("保健相談")
    PHYSICAL = 4, _("肢体不自由相談")
    SENSORY = 5, _("視聴覚障害相談")
    SPEECH = 6, _("言語発達障害等相談")
    SEVERE = 7, _("重症心身障害相談")
    INTELLECTUAL = 8, _("知的障害相談")
    DEVELOPMENTAL = 9, _("発達障害相談")
    GUHAN = 10, _("ぐ犯等相談")
    SHOHO = 11, _("触法行為等相談")
    CHARACTER = 12, _("性格行動相談")
    NON_ATTENDANCE = 13, _("不登校相談")
    APTITUDE = 14, _("適性相談")
    PARENTING = 15, _("育児・しつけ相談")
    OTHER = 16, _("その他の相談")


CATEGORY_GROUP: dict[int, str] = {
    1: ConsultationGroup.YOGO,
    2: ConsultationGroup.YOGO,
    3: ConsultationGroup.HOKEN,
    4: ConsultationGroup.SHOGAI,
    5: ConsultationGroup.SHOGAI,
    6: ConsultationGroup.SHOGAI,
    7: ConsultationGroup.SHOGAI,
    8: ConsultationGroup.SHOGAI,
    9: ConsultationGroup.SHOGAI,
    10: ConsultationGroup.HIKO,
    11: ConsultationGroup.HIKO,
    12: ConsultationGroup.IKUSEI,
    13: ConsultationGroup.IKUSEI,
    14: ConsultationGroup.IKUSEI,
    15: ConsultationGroup.IKUSEI,
    16: ConsultationGroup.OTHER,
}

# DOMAIN §8: the six districts of Minato City and their towns.
DISTRICT_TOWNS: dict[str, tuple[str, ...]] = {
    "芝": (
        "新橋",
        "東新橋",
        "西新橋",
        "虎ノ門",
        "愛宕",
        "芝公園",
        "浜松町",
        "芝大門",
        "芝",
        "三田1丁目",
        "三田2丁目",
        "三田3丁目",
        "海岸1丁目",
    ),
    "麻布": (
        "東麻布",
        "麻布台",
        "麻布狸穴町",
        "麻布永坂町",
        "麻布十番",
        "南麻布",
        "元麻布",
        "西麻布",
        "六本木",
    ),
    "赤坂": ("元赤坂", "赤坂", "南青山", "北青山"),
    "高輪": ("三田4丁目", "三田5丁目", "高輪", "白金", "白金台"),
    "芝浦港南": ("芝浦", "海岸2丁目", "海岸3丁目", "港南"),
    "台場": ("台場",),
}
# 台場 is served by the 芝浦港南 branch office (DOMAIN §8).
DISTRICT_BRANCH_OFFICE: dict[str, str] = {
    "芝": "芝地区総合支所",
    "麻布": "麻布地区総合支所",
    "赤坂": "赤坂地区総合支所",
    "高輪": "高輪地区総合支所",
    "芝浦港南": "芝浦港南地区総合支所",
    "台場": "芝浦港南地区総合支所",
}
OUTSIDE_WARD = "区外"
TOWN_CHOICES = [(town, town) for towns in DISTRICT_TOWNS.values() for town in towns] + [
    (OUTSIDE_WARD, _("港区外"))
]
DISTRICT_CHOICES = [(d, d) for d in DISTRICT_TOWNS] + [(OUTSIDE_WARD, _("港区外"))]


class Profession(models.TextChoices):
    """Staff professions, also the role a worker holds on a case (ISSUE 3, DOMAIN §9)."""

    WELFARE = "welfare", _("児童福祉司")
    PSYCHOLOGIST = "psych", _("児童心理司")
    NURSE = "nurse", _("保健師")
    DOCTOR = "doctor", _("医師")
    LAWYER = "lawyer", _("弁護士")
    CLERK = "clerk", _("事務職員")
    CARE = "care", _("保育士・児童指導員")
    OTHER = "other", _("その他")


class CaseStatus(models.TextChoices):
    """受理 → 調査 → 判定 → 援助方針決定 → 援助中 → 終結 (PRODUCT §3)."""

    ACCEPTED = "accepted", _("受理")
    INVESTIGATION = "investigation", _("調査")
    JUDGMENT = "judgment", _("判定")
    PLAN_DECIDED = "plan_decided", _("援助方針決定")
    IN_SUPPORT = "in_support", _("援助中")
    CLOSED = "closed", _("終結")

    @classmethod
    def step_reasons(cls) -> dict[str, str]:
        """The steps that record why: a 判定 rests on the judgment conference (判定会議), so
        its basis is written down with the move; the other steps may carry a note."""
        return {cls.JUDGMENT: "判定の根拠（判定会議の日付・結論など）"}


class PlanKind(models.TextChoices):
    """援助方針 (DOMAIN §9 outcomes)."""

    HOME_SUPPORT = "home", _("在宅（地域の支援）")
    INSTITUTION = "institution", _("施設入所")
    FOSTER = "foster", _("里親委託")
    OTHER = "other", _("その他")


class ApprovalState(models.TextChoices):
    NONE = "", _("未申請")
    PENDING = "pending", _("承認待ち")
    APPROVED = "approved", _("承認済")
    RETURNED = "returned", _("差戻し")


class ClosureOutcome(models.TextChoices):
    HOME = "home", _("在宅で終結（助言・継続指導終了）")
    INSTITUTION = "institution", _("施設入所")
    FOSTER = "foster", _("里親委託")
    TRANSFER = "transfer", _("他機関へ移管")
    MOVED = "moved", _("転居（他児童相談所へ移管）")
    ADULT = "adult", _("年齢到達")
    OTHER = "other", _("その他")


class NoteKind(models.TextChoices):
    """Case note types (ISSUE 3)."""

    INTERVIEW = "interview", _("面接")
    HOME_VISIT = "home_visit", _("家庭訪問")
    PHONE = "phone", _("電話")
    AGENCY = "agency", _("関係機関連絡")
    MEETING = "meeting", _("会議")
    DIAG_SOCIAL = "diag_social", _("社会診断")
    DIAG_PSYCH = "diag_psych", _("心理診断")
    DIAG_MEDICAL = "diag_medical", _("医学診断")
    DIAG_BEHAVIOUR = "diag_behaviour", _("行動診断")


class Relationship(models.TextChoices):
    FATHER = "father", _("実父")
    MOTHER = "mother", _("実母")
    STEPFATHER = "stepfather", _("継父")
    STEPMOTHER = "stepmother", _("継母")
    ADOPTIVE = "adoptive", _("養親")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("きょうだい")
    PARTNER = "partner", _("親の交際相手・同居人")
    RELATIVE = "relative", _("その他の親族")
    OTHER = "other", _("その他")


class AccessAction(models.TextChoices):
    VIEW = "view", _("閲覧")
    REVEAL = "reveal", _("非開示情報の表示")
    EXPORT = "export", _("出力")
    CHECK = "check", _("重複確認")
    MATCH = "match", _("重複確認で担当外の児童と一致")
    REFUSED = "refused", _("重複確認の繰り返しを拒否")
    OTP_OK = "otp_ok", _("二段階認証に成功")
    OTP_FAIL = "otp_fail", _("二段階認証に失敗")


class HandbookDegree(models.IntegerChoices):
    """愛の手帳の程度 (DOMAIN §6)."""

    PROFOUND = 1, _("1度（最重度）")
    SEVERE = 2, _("2度（重度）")
    MODERATE = 3, _("3度（中度）")
    MILD = 4, _("4度（軽度）")


class JudgmentReason(models.TextChoices):
    """Why a 愛の手帳 judgment was made (DOMAIN §6)."""

    INITIAL = "initial", _("新規判定")
    AGE = "age", _("年齢による再判定（3歳・6歳・12歳）")
    CHANGE = "change", _("程度の変化による再判定")


class FosterType(models.TextChoices):
    """The four kinds of foster parent (児童福祉法6条の4; Tokyo's own terms in brackets,
    DOMAIN §5). Here rather than in foster/ because the date rules (casework.rules) use them."""

    NURTURING = "nurturing", _("養育里親（養育家庭）")
    SPECIALIST = "specialist", _("専門里親（専門養育家庭）")
    ADOPTIVE = "adoptive", _("養子縁組里親")
    KINSHIP = "kinship", _("親族里親")


class DeadlineKind(models.TextChoices):
    """Due work the ledger tracks (PRODUCT §3 Deadlines; DOMAIN §3–§6)."""

    SAFETY_CHECK = "safety_check", _("48時間以内の安全確認")
    WARRANT_REQUEST = "warrant_request", _("一時保護状の請求（7日以内）")
    PROTECTION_LIMIT = "protection_limit", _("一時保護の期間（2か月）")
    EXTENSION_LIMIT = "extension_limit", _("延長した一時保護の期間")
    APPEAL = "appeal", _("準抗告（却下から3日以内）")
    HANDBOOK_REJUDGMENT = "handbook_rejudgment", _("愛の手帳の再判定")
    HANDBOOK_REFERRAL = "handbook_referral", _("18歳：東京都心身障害者福祉センターへの引継ぎ")
    FOSTER_RENEWAL = "foster_renewal", _("里親登録の更新")
    PLAN_APPROVAL = "plan_approval", _("援助方針の承認待ち")
    CLOSURE_APPROVAL = "closure_approval", _("終結の承認待ち")
    NETWORK_REVIEW = "network_review", _("要対協の進行管理（次回の確認）")
    VIEWS_AFTERWARDS = "views_afterwards", _("意見聴取（決定後速やかに）")
    SAFETY_STEP = "safety_step", _("出頭要求・立入調査等の期日")


class DeadlineState(models.TextChoices):
    OPEN = "open", _("未完了")
    MET = "met", _("完了")
    MISSED = "missed", _("期限切れ（未対応のまま終了）")
    DISMISSED = "dismissed", _("取下げ")


class NoticeKind(models.TextChoices):
    """What a notice to the branch office (総合支所) is about (DOMAIN §6, §8)."""

    ADDRESS = "address", _("住所の変更")
    NAME = "name", _("氏名の変更")


class ViewsDecision(models.TextChoices):
    """The decisions before which the child's views are heard (児童福祉法33条の3の3, DOMAIN §11)."""

    PROTECTION = "protection", _("一時保護")
    INSTITUTION = "institution", _("施設入所")
    FOSTER = "foster", _("里親委託")
    CHANGE = "change", _("措置の変更")
    END = "end", _("措置の解除")


class ViewsTiming(models.TextChoices):
    BEFORE = "before", _("決定の前に聴取")
    AFTER = "after", _("決定の後に聴取（事前の聴取ができなかった）")


class ViewsDeferral(models.TextChoices):
    """Why the views could not be heard before the decision (33条の3の3 ただし書)."""

    URGENT = "urgent", _("緊急を要し、聴取の時間がなかった")
    AGE = "age", _("児童の年齢のため")
    CONDITION = "condition", _("児童の心身の状況のため")


class ViewsMethod(models.TextChoices):
    """How the views were heard: suited to the child's age and development."""

    INTERVIEW = "interview", _("面接")
    CARDS = "cards", _("絵カード・ツール")
    PLAY = "play", _("遊びを通じて")
    WRITING = "writing", _("書面")
    THROUGH = "through", _("保護者・支援者を介して")
    OTHER = "other", _("その他")
