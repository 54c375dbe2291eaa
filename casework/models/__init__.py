"""casework models: one module per concern, re-exported here."""

from casework.models import twofactor as _twofactor_history  # noqa: F401 - the devices' history
from casework.models.audit import AccessLog, AuditLink, ChainHead, PowerChange
from casework.models.cases import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseNote,
    CaseShare,
    CaseUserObjectPermission,
    CaseWorker,
    SchoolLiaison,
)
from casework.models.children import Child, HouseholdMember
from casework.models.deadlines import Deadline, DutyAssignment, Notification
from casework.models.handbooks import (
    BranchNotice,
    Handbook,
    HandbookChange,
    HandbookJudgment,
    HandbookReferral,
)
from casework.models.hearings import ViewsHearing
from casework.models.teams import Membership, Team, User

__all__ = [
    "AccessLog",
    "AuditLink",
    "BranchNotice",
    "Deadline",
    "DutyAssignment",
    "Handbook",
    "HandbookChange",
    "HandbookJudgment",
    "HandbookReferral",
    "Notification",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseGroupObjectPermission",
    "CaseNote",
    "CaseShare",
    "CaseUserObjectPermission",
    "CaseWorker",
    "ChainHead",
    "PowerChange",
    "Child",
    "HouseholdMember",
    "Membership",
    "SchoolLiaison",
    "Team",
    "User",
    "ViewsHearing",
]
